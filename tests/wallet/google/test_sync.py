"""After a card changes, its Google object is patched in the background: new balance, new hero, notify within limits."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.test import Client
from django_tasks import default_task_backend

from stampcard.cards.changes import cards_touch
from stampcard.cards.design import program_cards_touch
from stampcard.cards.models import Card, CardChange
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from stampcard.wallet import feed
from stampcard.wallet import tasks as wallet_tasks
from stampcard.wallet.google import services, tasks
from stampcard.wallet.google.client import WalletClient, http_client
from stampcard.wallet.google.models import GoogleNotification
from tests.cards.helpers import a_check
from tests.factories import CardFactory
from tests.wallet.google.helpers import object_of, save_link_token, stamp

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def patches(google, google_object):
    return google.requests("PATCH", path_contains=google_object.object_id)


def test_a_stamp_patches_the_object_with_the_new_balance_and_the_hero_of_that_count(
    google, card, cashier, django_capture_on_commit_callbacks
):
    save_link_token(card)
    google_object = object_of(card)

    stamp(cashier, card, capture=django_capture_on_commit_callbacks)

    stored = google.stored_object(google_object.object_id)
    assert stored["loyaltyPoints"]["balance"] == {"string": "1/8"}
    hero = stored["heroImage"]["sourceUri"]["uri"]
    assert hero.startswith("https://loyalty.example.com/wallet/google/hero/") and hero.endswith("/1.png")
    [patch] = patches(google, google_object)
    assert patch.body["notifyPreference"] == "NOTIFY_ON_UPDATE"
    assert google.state.notifications[google_object.object_id]
    google_object.refresh_from_db()
    assert google_object.synced_balance == "1/8"
    assert google_object.synced_changed_at == card.__class__.objects.get(pk=card.pk).changed_at


def test_the_hero_url_of_the_new_count_serves_a_png_of_googles_size(
    google, card, cashier, django_capture_on_commit_callbacks
):
    save_link_token(card)
    stamp(cashier, card, capture=django_capture_on_commit_callbacks)
    hero = google.stored_object(object_of(card).object_id)["heroImage"]["sourceUri"]["uri"]

    response = Client().get(hero.removeprefix("https://loyalty.example.com"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "immutable" in response["Cache-Control"]
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(response.content)).size == (1032, 336)


def test_a_card_never_offered_to_google_costs_no_call(google, card, cashier, django_capture_on_commit_callbacks):
    stamp(cashier, card, capture=django_capture_on_commit_callbacks)

    assert google.requests() == []


def test_a_change_handed_over_again_patches_nothing_more(google, card, cashier, django_capture_on_commit_callbacks):
    save_link_token(card)
    stamp(cashier, card, capture=django_capture_on_commit_callbacks)
    calls = len(google.requests())

    tasks.changes_enqueue(card_ids=[card.pk])  # the feed hands changes over at least once
    tasks.changes_enqueue(card_ids=[card.pk])

    assert len(google.requests()) == calls


def test_a_design_change_patches_the_class_and_the_object_without_notifying(
    google, card, program, django_capture_on_commit_callbacks
):
    save_link_token(card)
    google_object = object_of(card)

    with django_capture_on_commit_callbacks(execute=True):
        program.background_color = "#000000"
        program.save()
        program_cards_touch(program=program)

    assert google.stored_class(google_object.google_class.class_id)["hexBackgroundColor"] == "#000000"
    [patch] = patches(google, google_object)
    assert "notifyPreference" not in patch.body
    assert "/hero/" in patch.body["heroImage"]["sourceUri"]["uri"]


def test_at_most_three_notifying_updates_per_object_in_24_hours(
    google, card, cashier, django_capture_on_commit_callbacks
):
    with clock.frozen_at(T0):
        save_link_token(card)
    google_object = object_of(card)

    for hour in range(5):
        with clock.frozen_at(T0 + timedelta(hours=hour)):
            stamp(cashier, card, capture=django_capture_on_commit_callbacks)

    sent = patches(google, google_object)
    assert [p.body["loyaltyPoints"]["balance"]["string"] for p in sent] == ["1/8", "2/8", "3/8", "4/8", "5/8"]
    assert ["notifyPreference" in p.body for p in sent] == [True, True, True, False, False]
    assert GoogleNotification.objects.filter(google_object=google_object).count() == 3
    assert google.state.dropped_notifications == {}  # Google never had to drop one

    with clock.frozen_at(T0 + timedelta(hours=24, minutes=1)):  # the first one left the window
        stamp(cashier, card, capture=django_capture_on_commit_callbacks)

    assert "notifyPreference" in patches(google, google_object)[-1].body


def test_a_503_leaves_the_card_for_a_later_attempt_with_backoff(google, card, cashier, settings):
    save_link_token(card)
    google_object = object_of(card)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with clock.frozen_at(T0):
        checkouts_services.checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check())
    google.fail_next(1, status=503, path_contains="loyaltyObject")

    with clock.frozen_at(T0):
        report = tasks.google_objects_sync.call(card_ids=[card.pk])

    assert report["retry"] == [card.pk]
    [retry] = default_task_backend.results
    assert retry.kwargs == {"card_ids": [card.pk], "attempt": 1}
    assert T0 + timedelta(seconds=30) <= retry.task.run_after <= T0 + timedelta(seconds=40)
    assert GoogleNotification.objects.filter(google_object=google_object).count() == 0  # the failed one is given back

    report = tasks.google_objects_sync.call(**retry.kwargs)

    assert report["patched"] == [card.pk]
    assert google.stored_object(google_object.object_id)["loyaltyPoints"]["balance"] == {"string": "1/8"}


def test_retries_stop_after_the_last_attempt(google, card, settings):
    save_link_token(card)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.GOOGLE_WALLET_MAX_ATTEMPTS = 3
    card.stamps = 2
    card.save(update_fields=["stamps"])
    google.fail_next(1, status=429)

    tasks.google_objects_sync.call(card_ids=[card.pk], attempt=2)

    assert default_task_backend.results == []


def test_an_unreachable_google_is_retried(google, card, settings):
    save_link_token(card)
    card.stamps = 3
    card.save(update_fields=["stamps"])
    settings.GOOGLE_WALLET_API_URL = "http://127.0.0.1:9/walletobjects/v1"  # discard port: nothing listens

    with http_client() as http:
        report = services.objects_sync(card_ids=[card.pk], client=WalletClient(http=http))

    assert report.retry == [card.pk]


def test_a_refused_patch_is_not_retried(google, card):
    save_link_token(card)
    card.stamps = 3
    card.save(update_fields=["stamps"])
    google.fail_next(1, status=400)

    with http_client() as http:
        report = services.objects_sync(card_ids=[card.pk], client=WalletClient(http=http))

    assert report.failed == [card.pk] and report.retry == []


def test_many_changed_cards_are_synced_in_batches(google, program, settings, django_capture_on_commit_callbacks):
    settings.GOOGLE_WALLET_SYNC_BATCH_SIZE = 2
    cards = [CardFactory(program=program) for _ in range(5)]
    for card in cards[:4]:
        save_link_token(card)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    with django_capture_on_commit_callbacks(execute=True):
        cards_touch(card_ids=[card.pk for card in cards])

    assert [r.kwargs["card_ids"] for r in default_task_backend.results] == [
        [cards[0].pk, cards[1].pk],
        [cards[2].pk, cards[3].pk],
    ]


@pytest.mark.django_db(transaction=True)
def test_after_a_real_commit_the_patch_runs_outside_any_transaction(google, cashier):
    card = CardFactory(program__merchant=cashier.merchant)
    save_link_token(card)

    checkouts_services.checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check())

    assert google.stored_object(object_of(card).object_id)["loyaltyPoints"]["balance"] == {"string": "1/8"}


def test_without_google_configured_changes_enqueue_nothing(google, card, settings, django_capture_on_commit_callbacks):
    save_link_token(card)
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = ""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    with django_capture_on_commit_callbacks(execute=True):
        cards_touch(card_ids=[card.pk])

    assert default_task_backend.results == []
    assert not CardChange.objects.exists()  # handed over: nothing for Google to do


@pytest.mark.django_db(transaction=True)
def test_a_stamp_whose_after_commit_hook_never_ran_is_patched_by_the_sweep(google, cashier, monkeypatch):
    # given a card Google holds, and a process that dies right after committing a stamp on it: no hook runs
    card = CardFactory(program__merchant=cashier.merchant)
    save_link_token(card)
    google_object = object_of(card)
    with monkeypatch.context() as crash:
        crash.setattr(transaction, "on_commit", lambda *args, **kwargs: None)
        checkouts_services.checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check())
    changed_at = Card.objects.get(pk=card.pk).changed_at
    assert patches(google, google_object) == [] and CardChange.objects.filter(card=card).exists()

    # when the periodic sweep runs a minute later
    with clock.frozen_at(changed_at + feed.SWEEP_AFTER + timedelta(seconds=1)):
        report = wallet_tasks.wallet_changes_sweep.call()

    # then Google's object shows the stamp, and the change is settled
    assert report == {"handed_over": 1, "left": 0, "dropped": 0}
    assert google.stored_object(google_object.object_id)["loyaltyPoints"]["balance"] == {"string": "1/8"}
    assert len(patches(google, google_object)) == 1
    google_object.refresh_from_db()
    assert google_object.synced_changed_at == changed_at
    assert not CardChange.objects.exists()
