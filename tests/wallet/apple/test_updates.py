"""Keeping passes current: a committed change pushes each registered device once over APNs (the stand-in, on a real
HTTP/2 TLS socket), and the device then gets the fresh pass."""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import transaction
from django_tasks import task_backends

from stampcard.cards.changes import cards_touch
from stampcard.cards.models import Card, CardChange
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from stampcard.wallet import feed
from stampcard.wallet import tasks as wallet_tasks
from stampcard.wallet.apple import push, tasks
from stampcard.wallet.apple.models import ApplePass, AppleRegistration
from stampcard.wallet.apple.services import apple_pass_ensure
from stampcard.wallet.google import tasks as google_tasks
from tests.cards.helpers import a_check
from tests.factories import CardFactory
from tests.wallet.apple.conftest import unzip

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
    checkouts_services.checkout_commit(actor=cashier.actor(), card_ref=apple_pass.card.number, check=a_check())

    # then APNs got one empty push for the pass type, and the phone fetches the new pass
    [pushed] = apns.wait_for(device.push_token)
    assert pushed.topic == apple_pass.pass_type_identifier and pushed.payload == b"{}" and pushed.auth == "token"
    assert pushed.headers["apns-push-type"] == "background"
    changed = device.serials(apple_pass.pass_type_identifier, since=tag)
    assert changed.status_code == 200 and changed.json()["serialNumbers"] == [apple_pass.serial_number]
    fresh = device.fetch(apple_pass, if_modified_since=installed["Last-Modified"])
    assert fresh.status_code == 200 and header_value(fresh) == "1/8"


def test_a_change_handed_over_again_pushes_nothing_more(apns, device, apple_pass):
    device.register(apple_pass)
    with transaction.atomic():
        cards_touch(card_ids=[apple_pass.card_id])
    apns.wait_for(device.push_token)

    tasks.changes_enqueue(card_ids=[apple_pass.card_id])  # the feed hands changes over at least once

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

    checkouts_services.checkout_commit(actor=cashier.actor(), card_ref=apple_pass.card.number, check=a_check())

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
    from stampcard.wallet.apple import credentials

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


def test_a_failure_to_queue_is_logged_and_google_still_gets_the_change(device, apple_pass, monkeypatch, caplog):
    device.register(apple_pass)
    google = []

    def broken(**kwargs):
        raise RuntimeError("queue down")

    monkeypatch.setattr(tasks, "apple_passes_notify", SimpleNamespace(enqueue=broken))
    monkeypatch.setattr(google_tasks, "changes_enqueue", lambda card_ids: google.extend(card_ids) or len(card_ids))
    with transaction.atomic():
        cards_touch(card_ids=[apple_pass.card_id])

    assert "could not queue Apple Wallet pushes" in caplog.text
    assert google == [apple_pass.card_id]
    assert CardChange.objects.filter(card_id=apple_pass.card_id).exists()  # left for the sweep


def test_a_stamp_whose_after_commit_hook_never_ran_is_pushed_by_the_sweep(
    apns, device, apple_pass, cashier, monkeypatch
):
    # given a phone holding the pass, and a process that dies right after committing a stamp: no hook runs
    device.register(apple_pass)
    with monkeypatch.context() as crash:
        crash.setattr(transaction, "on_commit", lambda *args, **kwargs: None)
        checkouts_services.checkout_commit(actor=cashier.actor(), card_ref=apple_pass.card.number, check=a_check())
    changed_at = Card.objects.get().changed_at
    assert apns.received == [] and ApplePass.objects.get().pushed_changed_at is None
    assert CardChange.objects.filter(card_id=apple_pass.card_id).exists()

    # when the periodic sweep runs a minute later
    with clock.frozen_at(changed_at + feed.SWEEP_AFTER + timedelta(seconds=1)):
        report = wallet_tasks.wallet_changes_sweep.call()

    # then the phone is pushed once, the pass's last-delivered mark catches up, and it fetches the new count
    [pushed] = apns.wait_for(device.push_token)
    assert pushed.topic == apple_pass.pass_type_identifier
    assert report == {"handed_over": 1, "left": 0, "dropped": 0}
    assert ApplePass.objects.get().pushed_changed_at == changed_at
    assert header_value(device.fetch(apple_pass)) == "1/8"
    assert not CardChange.objects.exists()


def test_the_sweep_pushes_nothing_the_after_commit_hook_already_pushed(apns, device, apple_pass, cashier):
    device.register(apple_pass)
    checkouts_services.checkout_commit(actor=cashier.actor(), card_ref=apple_pass.card.number, check=a_check())
    apns.wait_for(device.push_token)
    assert not CardChange.objects.exists()
    # a process that died after handing the change over but before deleting its row
    changed_at = Card.objects.get().changed_at
    CardChange.objects.create(card_id=apple_pass.card_id, recorded_at=changed_at)

    with clock.frozen_at(changed_at + feed.SWEEP_AFTER + timedelta(seconds=1)):
        report = feed.changes_sweep()

    assert report.handed_over == 1 and not CardChange.objects.exists()
    assert len(apns.pushes_to(device.push_token)) == 1
