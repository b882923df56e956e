"""Request logs keep no bearer tokens: gunicorn's access log and Django's request lines are redacted."""

import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from gunicorn.config import Config

from stampcard.core.logredact import MARK, RedactingGunicornLogger, RedactSecrets, redact

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('"GET /c/SECRET HTTP/1.1" 200', '"GET /c/[redacted] HTTP/1.1" 200'),
        ("GET /r/SECRET/qr-58.png HTTP/1.1", "GET /r/[redacted]/qr-58.png HTTP/1.1"),
        ("Not Found: /i/SECRET", "Not Found: /i/[redacted]"),
        ('"https://shop.example/v/SECRET/qr.svg"', '"https://shop.example/v/[redacted]/qr.svg"'),
        ("GET /c/SECRET/google HTTP/1.1", "GET /c/[redacted]/google HTTP/1.1"),
        ("GET /wallet/apple/pass/SECRET.pkpass HTTP/1.1", "GET /wallet/apple/pass/[redacted].pkpass HTTP/1.1"),
        (
            "POST /wallet/apple/v1/devices/SECRET/registrations/pass.demo/SECRET HTTP/1.1",
            "POST /wallet/apple/v1/devices/[redacted]/registrations/pass.demo/[redacted] HTTP/1.1",
        ),
        (
            "GET /wallet/apple/v1/devices/SECRET/registrations/pass.demo?passesUpdatedSince=17 HTTP/1.1",
            "GET /wallet/apple/v1/devices/[redacted]/registrations/pass.demo?passesUpdatedSince=17 HTTP/1.1",
        ),
        (
            "GET /wallet/apple/v1/passes/pass.demo/SECRET HTTP/1.1",
            "GET /wallet/apple/v1/passes/pass.demo/[redacted] HTTP/1.1",
        ),
        ("GET /api/v1/receipts/SECRET HTTP/1.1", "GET /api/v1/receipts/[redacted] HTTP/1.1"),
        ("POST /api/v1/vouchers/SECRET/redeem HTTP/1.1", "POST /api/v1/vouchers/[redacted]/redeem HTTP/1.1"),
        ("GET /scanner/api/cards/SECRET HTTP/1.1", "GET /scanner/api/cards/[redacted] HTTP/1.1"),
        ("GET /api/v1/cards/lookup?q=SECRET&page=2 HTTP/1.1", "GET /api/v1/cards/lookup?q=[redacted]&page=2 HTTP/1.1"),
        (
            "GET /integrations/poster/callback?code=SECRET&account=SECRET HTTP/1.1",
            "GET /integrations/poster/callback?code=[redacted]&account=[redacted] HTTP/1.1",
        ),
    ],
)
def test_redact_replaces_the_secret_parts_of_urls_and_keeps_their_shape(line, expected):
    assert redact(line) == expected


@pytest.mark.parametrize(
    "line", ["GET /j/abcd1234 HTTP/1.1", "GET /static/panel.js HTTP/1.1", "GET /api/v1/vouchers HTTP/1.1", "no url"]
)
def test_redact_leaves_lines_without_secrets_alone(line):
    assert redact(line) == line


def test_the_filter_redacts_a_django_server_request_line():
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s', ("GET /c/SECRET HTTP/1.1", 200, 512), None
    )

    assert RedactSecrets().filter(record) is True
    assert record.getMessage() == '"GET /c/[redacted] HTTP/1.1" 200 512'


@pytest.mark.django_db
def test_django_request_warnings_are_redacted_before_any_handler_sees_them(client, caplog):
    token = secrets.token_urlsafe(18)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get(f"/c/{token}")

    messages = [record.getMessage() for record in caplog.records if record.name == "django.request"]
    assert messages and all(token not in message for message in messages)
    assert any(f"/c/{MARK}" in message for message in messages)


def test_gunicorns_error_log_is_redacted_too(tmp_path):
    config = Config()
    config.set("errorlog", str(tmp_path / "error.log"))
    logger = RedactingGunicornLogger(config)

    logger.error("Error handling request %s", "/r/SECRET?code=SECRET")

    logged = (tmp_path / "error.log").read_text()
    assert f"/r/{MARK}?code={MARK}" in logged and "SECRET" not in logged


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gunicorn_started_with_the_project_config_writes_no_token_to_its_access_log(tmp_path):
    token, code = secrets.token_urlsafe(18), secrets.token_urlsafe(12)
    port, access_log = _free_port(), tmp_path / "access.log"
    env = {**os.environ, "STAMPCARD_VAR_DIR": str(tmp_path), "DATABASE_URL": ""}
    # Started from the project root without -c: gunicorn reads ./gunicorn.conf.py itself, as in production.
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--access-logfile", str(access_log)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(
                    f"http://127.0.0.1:{port}/c/{token}?code={code}",
                    headers={"Referer": f"http://127.0.0.1:{port}/r/{token}"},
                    timeout=5,
                )
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        deadline = time.monotonic() + 10
        while "/c/" not in (access_log.read_text() if access_log.exists() else ""):
            assert time.monotonic() < deadline, "no access log line"
            time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)

    logged = access_log.read_text()
    assert f"/c/{MARK}?code={MARK}" in logged and f"/r/{MARK}" in logged
    assert token not in logged and code not in logged
    assert token not in output and code not in output
