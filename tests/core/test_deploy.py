"""The production environment documented in docs/deploy.md passes `manage.py check --deploy` without a warning; the
development defaults (plain http://127.0.0.1) keep the security switches off."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def documented_env() -> dict[str, str]:
    """The ```env block of docs/deploy.md, its <placeholders> filled with generated values."""
    (block,) = re.findall(r"```env\n(.*?)```", (ROOT / "docs" / "deploy.md").read_text(), flags=re.S)
    env = {}
    for line in block.strip().splitlines():
        name, _, value = line.partition("=")
        env[name] = re.sub(r"<[^>]*>", lambda _: secrets.token_urlsafe(50), value)
    return env


def check_deploy(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "VIRTUAL_ENV")}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env={**base, "STAMPCARD_VAR_DIR": str(tmp_path), **env},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_documented_production_environment_passes_check_deploy(tmp_path):
    env = documented_env()
    assert env["BASE_URL"].startswith("https://") and env["BEHIND_TLS_PROXY"] == "true"
    result = check_deploy(env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_development_defaults_leave_https_off_and_check_deploy_says_so(tmp_path):
    result = check_deploy({"DEBUG": "false"}, tmp_path)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout, warning


def test_the_production_settings_follow_from_an_https_base_url(tmp_path):
    env = {**documented_env(), "STAMPCARD_VAR_DIR": str(tmp_path)}
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.LOGGING['handlers']['console']['formatter'])"
    )
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout.split()  # fmt: skip
    assert out == ["('HTTP_X_FORWARDED_PROTO',", "'https')", "True", "True", "True", "31536000", "json"]
