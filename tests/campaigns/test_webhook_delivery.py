"""Deliveries reach a real HTTP server on loopback: signed as the docs say (checked by the docs' own snippets, in
Python and in Node), retried with backoff and then marked failed, without holding up other endpoints."""

import base64
import json
import re
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from stampcard.campaigns.webhooks import sender
from stampcard.campaigns.webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery
from stampcard.cards.checks import CheckInput
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from tests.campaigns.helpers import Behaviour, Receiver, endpoint_make, feed_now

DOCS = Path(django_settings.BASE_DIR) / "docs" / "webhooks.md"


@pytest.fixture(autouse=True)
def _local_endpoints(settings):
    settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = True
    settings.STAMPCARD_WEBHOOKS_TIMEOUT_SECONDS = 1
    settings.STAMPCARD_WEBHOOKS_ROUND_SECONDS = 30


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def _stamp(cashier, card, external_id: str = "R-1") -> None:
    checkouts_services.checkout_commit(
        actor=cashier.actor(),
        card_ref=card.number,
        check=CheckInput(external_id=external_id, total=5000, currency="UAH"),
    )


def _docs_block(language: str, marker: str) -> str:
    for block in re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(), flags=re.S):
        if marker in block:
            return block
    raise AssertionError(f"docs/webhooks.md has no {language} block with {marker!r}")


def _docs_verify():
    namespace: dict = {}
    exec(_docs_block("python", "def verify"), namespace)  # noqa: S102 - the docs' own snippet, as a receiver runs it
    return namespace["verify"]


@pytest.mark.django_db
def test_a_stamp_reaches_the_endpoint_signed_so_that_the_docs_python_snippet_accepts_it(
    receiver, merchant, card, cashier
):
    endpoint = endpoint_make(merchant, receiver.url("/hooks"), ["stamp.added"])
    _stamp(cashier, card)
    feed_now()

    report = sender.deliveries_send_due()

    assert report.delivered == 1
    [request] = receiver.requests
    assert request.headers["stampcard-event"] == "stamp.added"
    delivery = WebhookDelivery.objects.get()
    assert request.headers["stampcard-delivery"] == str(delivery.pk)
    body = json.loads(request.body)
    assert body["type"] == "stamp.added"
    assert body["data"]["card"]["number"] == card.number
    assert body["data"]["stamps_added"] == 1
    assert body["data"]["check"] == {"external_id": "R-1", "total": 5000, "currency": "UAH"}
    verify = _docs_verify()
    signature = request.headers["stampcard-signature"]
    assert verify(request.body, signature, endpoint.secret)
    assert not verify(request.body + b" ", signature, endpoint.secret)
    assert not verify(request.body, signature, "whsec_another")
    timestamp = int(signature.split(",")[0].removeprefix("t="))
    assert abs(timestamp - time.time()) < 60
    assert not verify(request.body, signature, endpoint.secret, now=timestamp + 5 * 60 + 1)
    assert verify(request.body, signature, endpoint.secret, now=timestamp + 5 * 60 - 1)
    assert delivery.state == DeliveryState.DELIVERED
    [attempt] = WebhookAttempt.objects.all()
    assert attempt.status_code == 200 and attempt.response_excerpt == "ok"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
@pytest.mark.django_db
def test_the_docs_javascript_snippet_accepts_a_captured_request_and_refuses_a_tampered_one(
    receiver, merchant, card, cashier, tmp_path
):
    endpoint = endpoint_make(merchant, receiver.url("/js"), ["stamp.added"])
    _stamp(cashier, card)
    feed_now()
    sender.deliveries_send_due()
    [request] = receiver.requests
    signature = request.headers["stampcard-signature"]
    timestamp = int(signature.split(",")[0].removeprefix("t="))
    (tmp_path / "verify.js").write_text(_docs_block("js", "function verify"))
    (tmp_path / "run.js").write_text(
        'const { verify } = require("./verify.js");\n'
        'const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));\n'
        "console.log(JSON.stringify(cases.map((c) => verify(Buffer.from(c.body, 'base64'), c.header, c.secret, "
        "c.now === null ? undefined : c.now))));\n"
    )
    raw = base64.b64encode(request.body).decode()
    tampered = base64.b64encode(request.body.replace(b'"stamps_added":1', b'"stamps_added":9')).decode()
    cases = [
        {"body": raw, "header": signature, "secret": endpoint.secret, "now": None},
        {"body": tampered, "header": signature, "secret": endpoint.secret, "now": None},
        {"body": raw, "header": signature, "secret": "whsec_another", "now": None},
        {"body": raw, "header": signature, "secret": endpoint.secret, "now": timestamp + 301},
        {"body": raw, "header": "t=1,v1=zz", "secret": endpoint.secret, "now": None},
    ]

    run = subprocess.run(
        ["node", str(tmp_path / "run.js")], input=json.dumps(cases), capture_output=True, text=True, timeout=30
    )

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [True, False, False, False, False]


@pytest.mark.django_db
def test_a_failing_endpoint_is_retried_with_backoff_then_failed_while_another_proceeds(
    receiver, merchant, card, cashier
):
    receiver.behave["/down"] = Behaviour(status=500)
    down = endpoint_make(merchant, receiver.url("/down"), ["stamp.added"])
    endpoint_make(merchant, receiver.url("/up"), ["stamp.added"])
    _stamp(cashier, card)
    start = timezone.now()
    with clock.frozen_at(start):
        feed_now()
    failing = WebhookDelivery.objects.get(endpoint=down)
    moments = []

    now = start
    for _round in range(20):
        with clock.frozen_at(now):
            sender.deliveries_send_due()
        failing.refresh_from_db()
        moments.append(now)
        if failing.state != DeliveryState.PENDING:
            break
        now = failing.next_attempt_at
        # Nothing is sent before it is due.
        with clock.frozen_at(now - timedelta(seconds=1)):
            assert sender.deliveries_send_due().as_dict()["endpoints"] == 0

    assert len(receiver.to("/up")) == 1  # delivered at the first round, never again
    assert WebhookDelivery.objects.exclude(endpoint=down).get().state == DeliveryState.DELIVERED
    gaps = [later - earlier for earlier, later in zip(moments, moments[1:], strict=False)]
    assert gaps == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=6),
        timedelta(hours=12),
        timedelta(hours=24) - timedelta(minutes=1 + 5 + 30 + 120 + 360 + 720),
    ]
    assert failing.state == DeliveryState.FAILED
    assert failing.attempts == 8 and failing.last_status_code == 500
    assert moments[-1] - start == timedelta(hours=24)
    attempts = receiver.to("/down")
    assert len(attempts) == 8
    assert {r.headers["stampcard-delivery"] for r in attempts} == {str(failing.pk)}  # the same id on every retry
    assert len({r.body for r in attempts}) == 1
    assert WebhookAttempt.objects.filter(delivery=failing).count() == 8
    # Failed for good: nothing more goes out.
    with clock.frozen_at(now + timedelta(days=2)):
        assert sender.deliveries_send_due().as_dict()["endpoints"] == 0


@pytest.mark.django_db
def test_a_slow_endpoint_does_not_delay_another(receiver, merchant, card, cashier):
    receiver.behave["/slow"] = Behaviour(delay=3)  # past the 1-second timeout
    slow = endpoint_make(merchant, receiver.url("/slow"), ["stamp.added"])
    fast = endpoint_make(merchant, receiver.url("/fast"), ["stamp.added"])
    for n in range(3):
        _stamp(cashier, card, external_id=f"R-{n}")
    feed_now()
    assert WebhookDelivery.objects.filter(endpoint=slow).count() == 3

    began = time.monotonic()
    report = sender.deliveries_send_due()
    took = time.monotonic() - began

    fast_requests = receiver.to("/fast")
    assert len(fast_requests) == 3
    assert max(r.at for r in fast_requests) - began < 0.8  # all three while the slow one was still waited for
    assert len(receiver.to("/slow")) == 1  # it stops at its first failure; the rest wait for its retry
    assert took < 2.5  # one timeout, not three
    assert report.delivered == 3 and report.retrying == 1 and report.left == 2
    assert set(WebhookDelivery.objects.filter(endpoint=fast).values_list("state", flat=True)) == {"delivered"}
    timed_out = WebhookDelivery.objects.filter(endpoint=slow, attempts=1).get()
    assert timed_out.last_error.startswith("timeout")
    untried = WebhookDelivery.objects.filter(endpoint=slow, attempts=0)
    assert untried.count() == 2 and not untried.filter(claimed_until__isnull=False).exists()


@pytest.mark.django_db
def test_a_replay_sends_the_same_delivery_id_and_body_again(receiver, merchant, card, cashier, manager):
    from stampcard.campaigns.webhooks import services

    endpoint_make(merchant, receiver.url("/hooks"), ["stamp.added"])
    _stamp(cashier, card)
    feed_now()
    sender.deliveries_send_due()
    delivery = WebhookDelivery.objects.get()

    services.delivery_replay(actor=manager.actor(), delivery_id=delivery.pk)
    sender.deliveries_send_due()

    first, again = receiver.requests
    assert first.headers["stampcard-delivery"] == again.headers["stampcard-delivery"] == str(delivery.pk)
    assert first.body == again.body
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and delivery.attempts == 2 and delivery.replayed_at


@pytest.mark.django_db
def test_a_name_that_resolves_to_loopback_at_send_time_is_not_sent_to(settings, receiver, merchant, card, cashier):
    settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = False
    endpoint_make(merchant, "https://hooks.example.com/in", ["stamp.added"])
    _stamp(cashier, card)
    feed_now()

    report = sender.deliveries_send_due(resolve=lambda host, port: ["127.0.0.1"])

    assert report.retrying == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_error.startswith("address_refused")
    assert WebhookAttempt.objects.get().error_text.startswith("Not sent: the address leads to a private")
    assert delivery.last_status_code is None
    assert receiver.requests == []


def _certificate(directory, name: str):
    """A self-signed certificate for ``name`` only (not for 127.0.0.1): a client that checked the address instead of
    the name would refuse it."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.mark.django_db
def test_https_goes_to_the_checked_address_with_the_name_for_tls_and_host(settings, merchant, card, cashier, tmp_path):
    import ssl

    import httpx

    settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = False
    cert_file, key_file = _certificate(tmp_path, "hooks.test")
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    client_tls = ssl.create_default_context(cafile=str(cert_file))
    public_name = {"hooks.test": ["93.184.216.34"]}  # what the name resolves to when the endpoint is saved
    with Receiver(tls=server_tls) as receiver:
        port = receiver.server.server_address[1]
        endpoint = endpoint_make(merchant, f"https://hooks.test:{port}/in", ["stamp.added"])
        _stamp(cashier, card)
        feed_now()
        # At send time the name resolves to our server; a test-only allowance lets loopback through the check.
        settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = True

        report = sender.deliveries_send_due(
            resolve=lambda host, port: ["127.0.0.1"] if host == "hooks.test" else public_name[host],
            client_factory=lambda: httpx.Client(verify=client_tls, timeout=5, follow_redirects=False),
        )

    assert report.delivered == 1, WebhookDelivery.objects.get().last_error
    [request] = receiver.requests
    assert request.headers["host"] == f"hooks.test:{port}"
    assert _docs_verify()(request.body, request.headers["stampcard-signature"], endpoint.secret)


@pytest.mark.django_db
def test_a_busy_endpoint_drains_its_queue_in_one_round_in_order_while_a_slow_one_waits(
    receiver, merchant, card, cashier
):
    receiver.behave["/slow"] = Behaviour(delay=3)
    endpoint_make(merchant, receiver.url("/slow"), ["stamp.added"])
    endpoint_make(merchant, receiver.url("/busy"), ["stamp.added"])
    for n in range(25):
        _stamp(cashier, card, external_id=f"R-{n:02d}")
    feed_now()

    report = sender.deliveries_send_due(per_endpoint=10)

    busy = receiver.to("/busy")
    assert len(busy) == 25 and report.delivered == 25
    checks = [json.loads(r.body)["data"]["check"]["external_id"] for r in busy]
    assert checks == sorted(checks)  # in the order of the events
    assert len(receiver.to("/slow")) == 1


@pytest.mark.django_db
def test_thousands_waiting_for_a_down_endpoint_do_not_hide_another_endpoints_delivery(receiver, merchant):
    import uuid as uuid_module

    receiver.behave["/down"] = Behaviour(status=503)
    down = endpoint_make(merchant, receiver.url("/down"), ["stamp.added"])
    up = endpoint_make(merchant, receiver.url("/up"), ["stamp.added"])
    now = clock.now()

    def queued(endpoint, n, at):
        return [
            WebhookDelivery(
                merchant=merchant,
                endpoint=endpoint,
                event="stamp.added",
                event_key=f"q:{uuid_module.uuid4()}",
                event_id=uuid_module.uuid4(),
                body="{}",
                window_started_at=at,
                next_attempt_at=at,
            )
            for _ in range(n)
        ]

    WebhookDelivery.objects.bulk_create(queued(down, 1500, now - timedelta(hours=1)) + queued(up, 1, now))

    report = sender.deliveries_send_due()

    assert len(receiver.to("/up")) == 1 and len(receiver.to("/down")) == 1
    assert report.delivered == 1 and report.retrying == 1


@pytest.mark.django_db
def test_the_periodic_task_makes_and_sends_the_deliveries_of_settled_ledger_lines(receiver, merchant, card, cashier):
    from stampcard.campaigns.webhooks import tasks

    endpoint_make(merchant, receiver.url("/hooks"), ["stamp.added"])
    _stamp(cashier, card)

    with clock.frozen_at(timezone.now() + timedelta(minutes=2)):
        result = tasks.webhooks_feed_run.call()

    assert result["deliveries"] == 1 and result["delivered"] == 1
    assert len(receiver.requests) == 1
