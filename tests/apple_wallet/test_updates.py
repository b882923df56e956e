"""Keeping passes current: a committed change pushes each registered device once over APNs (the stand-in, on a real
HTTP/2 TLS socket), and the device then gets the fresh pass."""

import json
from types import SimpleNamespace

import pytest
from django.db import transaction
from django_tasks import task_backends

from stampcard.apple_wallet import push, tasks
from stampcard.apple_wallet.models import ApplePass, AppleRegistration
from stampcard.apple_wallet.services import apple_pass_ensure
from stampcard.cards import services as cards_services
from stampcard.cards.models import Card
from stampcard.wallet.changes import cards_changed, cards_touch
from tests.apple_wallet.conftest import unzip
from tests.cards.helpers import a_check
from tests.factories import CardFactory

pytestmark = pytest.mark.django_db(transaction=True)


def header_value(response) -> str:
    data = json.loads(unzip(response.content)["pass.json"])
    return data["storeCard"]["headerFields"][0]["value"]


def test_a_stamp_pushes_the_device_which_then_gets_the_pass_with_the_new_count(apns, device, apple_pass, cashier):
    # given a phone holding the pass, registered for updates
    assert device.register(apple_pass).status_code == 201
    installed = device.fetch(apple_pass)
    tag = device.serials(apple_pass.pass_type_identifier).json()["lastUpdated"]
    assert header_value(installed) == "0/8"

    # when the cashier stamps a check
    cards_services.checkout_commit(actor=cashier.actor(), card_ref=apple_pass.card.number, check=a_check())

    # then APNs got one empty push for the pass type, and the phone fetches the new pass
    [pushed] = apns.wait_for(device.push_token)
    assert pushed.topic == apple_pass.pass_type_identifier and pushed.payload == b"{}" and pushed.auth == "token"
    assert pushed.headers["apns-push-type"] == "background"
    changed = device.serials(apple_pass.pass_type_identifier, since=tag)
    assert changed.status_code == 200 and changed.json()["serialNumbers"] == [apple_pass.serial_number]
    fresh = device.fetch(apple_pass, if_modified_since=installed["Last-Modified"])
    assert fresh.status_code == 200 and header_value(fresh) == "1/8"


def test_a_repeated_signal_pushes_nothing_more(apns, device, apple_pass):
    device.register(apple_pass)
    with transaction.atomic():
        cards_touch(card_ids=[apple_pass.card_id])
    apns.wait_for(device.push_token)

    cards_changed.send(sender=None, card_ids=[apple_pass.card_id])

    assert len(apns.received) == 1
    assert ApplePass.objects.get().pushed_changed_at == Card.objects.get().changed_at


def test_a_design_change_of_many_cards_pushes_each_device_once(apns, device, other_device, apple_pass, settings):
    settings.APPLE_WALLET = {**settings.APPLE_WALLET, "PUSH_BATCH_SIZE": 2}
    passes = [apple_pass] + [apple_pass_ensure(card=CardFactory(program=apple_pass.card.program)) for _ in range(4)]
    for p in passes:
        device.register(p)  # one phone holding five cards (one push token)
    other_device.register(passes[-1])
    unheld = CardFactory(program=apple_pass.card.program)

    with transaction.atomic():
        cards_touch(card_ids=[p.card_id for p in passes] + [unheld.pk])

    assert len(apns.pushes_to(device.push_token)) == 1
    assert len(apns.pushes_to(other_device.push_token)) == 1
    assert set(ApplePass.objects.values_list("pushed_changed_at", flat=True)) == {
        Card.objects.get(pk=unheld.pk).changed_at
    }


def test_one_batch_pushes_a_token_once_however_many_of_its_cards_changed(apns, device, apple_pass):
    second = apple_pass_ensure(card=CardFactory(program=apple_pass.card.program))
    device.register(apple_pass)
    device.register(second)
    Card.objects.update(changed_at=apple_pass.created_at)

    report = push.passes_notify(card_ids=[apple_pass.card_id, second.card_id])

    assert report.pushed == 1 and len(apns.pushes_to(device.push_token)) == 1


def test_a_410_removes_every_registration_of_that_token(apns, device, other_device, apple_pass):
    second = apple_pass_ensure(card=CardFactory(program=apple_pass.card.program))
    device.register(apple_pass)
    device.register(second)
    other_device.register(apple_pass)
    apns.respond(device.push_token, 410)
    Card.objects.update(changed_at=apple_pass.created_at)

    report = push.passes_notify(card_ids=[apple_pass.card_id])

    assert report.forgotten == 2 and report.pushed == 1
    assert list(AppleRegistration.objects.values_list("push_token", flat=True)) == [other_device.push_token]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_too_many_requests_and_server_errors_are_retried_later(apns, device, apple_pass, settings, status):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    device.register(apple_pass)
    apns.respond(device.push_token, status, times=1)
    Card.objects.update(changed_at=apple_pass.created_at)

    first = tasks.apple_passes_notify.call(card_ids=[apple_pass.card_id])

    [retry] = task_backends["default"].results
    assert first["retry"] == 1 and first["pushed"] == 0
    assert retry.task.func is tasks.apple_tokens_push_retry.func and retry.task.run_after is not None
    assert retry.kwargs == {"tokens": [[apple_pass.pass_type_identifier, device.push_token]], "attempt": 1}

    # when the worker runs it later, APNs takes it
    second = tasks.apple_tokens_push_retry.call(**retry.kwargs)
    assert second["pushed"] == 1 and len(task_backends["default"].results) == 1


def test_retries_stop_after_the_configured_attempts(apns, device, apple_pass, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.APPLE_WALLET = {**settings.APPLE_WALLET, "APNS_MAX_ATTEMPTS": 2}
    device.register(apple_pass)
    apns.respond(device.push_token, 429)

    tasks.apple_tokens_push_retry.call(tokens=[[apple_pass.pass_type_identifier, device.push_token]], attempt=2)

    assert task_backends["default"].results == []


def test_an_unreachable_apns_is_retried(device, apple_pass, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    device.register(apple_pass)
    Card.objects.update(changed_at=apple_pass.created_at)

    report = tasks.apple_passes_notify.call(card_ids=[apple_pass.card_id])  # nothing listens on APNS_URL

    assert report["retry"] == 1 and len(task_backends["default"].results) == 1


def test_a_stamp_on_a_card_no_device_holds_enqueues_nothing(apple_pass, cashier, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    cards_services.checkout_commit(actor=cashier.actor(), card_ref=apple_pass.card.number, check=a_check())

    assert task_backends["default"].results == []


def test_pushes_refuse_to_run_inside_a_transaction(apple_pass):
    with pytest.raises(RuntimeError, match="outside a database transaction"), transaction.atomic():
        push.passes_notify(card_ids=[apple_pass.card_id])


def test_apns_refuses_a_provider_token_signed_by_another_key(apns, device, apple_pass):
    from cryptography.hazmat.primitives.asymmetric import ec

    apns.token_keys = {key_id: ec.generate_private_key(ec.SECP256R1()).public_key() for key_id in apns.token_keys}
    device.register(apple_pass)
    Card.objects.update(changed_at=apple_pass.created_at)

    report = push.passes_notify(card_ids=[apple_pass.card_id])

    assert report.failed == 1 and apns.refused[0][1:] == (403, "InvalidProviderToken")


def test_certificate_auth_uses_the_pass_certificate_as_tls_client_certificate(apns, device, apple_pass, settings):
    from stampcard.apple_wallet import credentials

    dev = credentials.dev_signer()
    settings.APPLE_WALLET = {
        **settings.APPLE_WALLET,
        "PASS_CERT": str(dev.certificate_path),
        "PASS_KEY": str(dev.key_path),
        "WWDR_CERT": str(dev.wwdr_path),
    }
    device.register(apple_pass)
    Card.objects.update(changed_at=apple_pass.created_at)

    report = push.passes_notify(card_ids=[apple_pass.card_id])

    assert report.pushed == 1 and apns.received[0].auth == "certificate"


def test_a_failure_to_queue_is_logged_and_leaves_the_other_receivers_running(device, apple_pass, monkeypatch, caplog):
    device.register(apple_pass)

    def broken(**kwargs):
        raise RuntimeError("queue down")

    monkeypatch.setattr(tasks, "apple_passes_notify", SimpleNamespace(enqueue=broken))
    cards_changed.send(sender=None, card_ids=[apple_pass.card_id])

    assert "could not queue Apple Wallet pushes" in caplog.text
