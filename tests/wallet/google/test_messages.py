"""A wallet message to a Google pass: ``addMessage`` on the object (the stand-in holds it to Google's schema), with
TEXT_AND_NOTIFY while the object has notifications left of Google's three per 24 hours, TEXT beyond them."""

from datetime import UTC, datetime, timedelta

import pytest

from stampcard.core import clock
from stampcard.core.testing import run_concurrently
from stampcard.wallet.google import messages
from stampcard.wallet.google.messages import MAX_CHARS, MAX_MESSAGES, google_message_send
from stampcard.wallet.google.models import GoogleMessage, GoogleNotification
from tests.factories import CardFactory
from tests.wallet.google.helpers import object_of, save_link_token

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def added(google, google_object) -> list[dict]:
    return [r.body["message"] for r in google.requests("POST", path_contains=f"{google_object.object_id}/addMessage")]


def installed(card):
    save_link_token(card)  # the save link inserts the object at Google
    return object_of(card)


def test_three_messages_notify_the_fourth_within_24_hours_is_silent_and_notifying_resumes_after(google, card):
    google_object = installed(card)

    with clock.frozen_at(T0):
        results = [google_message_send(card, f"News {i}", message_key=f"m{i}") for i in range(4)]
    with clock.frozen_at(T0 + timedelta(hours=23, minutes=59)):
        still_silent = google_message_send(card, "News 4", message_key="m4")
    with clock.frozen_at(T0 + timedelta(hours=24, seconds=1)):
        again = google_message_send(card, "News 5", message_key="m5")

    assert [r.code for r in results] == ["sent", "sent", "sent", "sent_silently"]
    assert [r.notified for r in results] == [True, True, True, False]
    assert (still_silent.code, again.code) == ("sent_silently", "sent")
    sent = added(google, google_object)
    assert [m["messageType"] for m in sent] == ["TEXT_AND_NOTIFY"] * 3 + ["TEXT", "TEXT", "TEXT_AND_NOTIFY"]
    assert sent[0] == {
        "id": messages.message_id("m0"),
        "header": card.program.name,
        "body": "News 0",
        "messageType": "TEXT_AND_NOTIFY",
    }
    assert [m["body"] for m in google.messages_of(google_object.object_id)] == [f"News {i}" for i in range(6)]
    assert len(google.state.notified_messages[google_object.object_id]) == 4
    assert list(GoogleMessage.objects.order_by("sent_at", "pk").values_list("notified", flat=True)) == [
        True, True, True, False, False, True,
    ]  # fmt: skip


def test_notifying_updates_share_the_quota_with_messages(google, card):
    google_object = installed(card)
    with clock.frozen_at(T0):
        for _ in range(2):  # two stamps patched with NOTIFY_ON_UPDATE earlier today
            GoogleNotification.objects.create(merchant=card.merchant, google_object=google_object, sent_at=clock.now())
        google.state.notifications[google_object.object_id] = [T0, T0]

        results = [google_message_send(card, f"News {i}", message_key=f"m{i}") for i in range(2)]

    assert [r.code for r in results] == ["sent", "sent_silently"]


def test_google_refusing_a_notification_we_counted_free_sends_the_message_silently(google, card):
    google_object = installed(card)
    with clock.frozen_at(T0):
        google.state.notifications[google_object.object_id] = [T0] * 3  # spent by another system we know nothing of

        result = google_message_send(card, "News", message_key="m")

    assert (result.sent, result.code) == (True, "sent_silently")
    assert [m["messageType"] for m in added(google, google_object)] == ["TEXT_AND_NOTIFY", "TEXT"]
    assert google.messages_of(google_object.object_id)[-1]["body"] == "News"
    assert not GoogleNotification.objects.exists()
    assert not GoogleMessage.objects.get().notified


def test_a_retried_send_adds_nothing_again(google, card):
    google_object = installed(card)

    first = google_message_send(card, "News", message_key="m")
    again = google_message_send(card, "News", message_key="m")

    assert first.sent and not first.replayed and again.sent and again.replayed
    assert len(added(google, google_object)) == 1 and GoogleNotification.objects.count() == 1


def test_a_send_that_reached_google_but_was_not_recorded_is_recognised_on_the_retry(google, card):
    google_object = installed(card)
    google_message_send(card, "News", message_key="m")
    GoogleMessage.objects.update(delivered=False)  # the worker died between Google's answer and its own write

    again = google_message_send(card, "News", message_key="m")

    assert again.sent and again.replayed and len(added(google, google_object)) == 1


def test_google_unavailable_frees_the_notification_for_the_retry(google, card):
    google_object = installed(card)
    google.fail_next(1, status=503, path_contains="addMessage")

    failed = google_message_send(card, "News", message_key="m")
    retried = google_message_send(card, "News", message_key="m")

    assert (failed.sent, failed.code, failed.retryable) == (False, "wallet_unavailable", True)
    assert (retried.code, retried.notified) == ("sent", True)
    assert GoogleNotification.objects.count() == 1
    assert len(google.messages_of(google_object.object_id)) == 1


def test_the_oldest_message_makes_room_for_the_eleventh(google, card):
    google_object = installed(card)
    with clock.frozen_at(T0):
        for i in range(MAX_MESSAGES + 2):
            assert google_message_send(card, f"News {i}", message_key=f"m{i}").sent

    held = google.messages_of(google_object.object_id)
    assert [m["body"] for m in held] == [f"News {i}" for i in range(2, MAX_MESSAGES + 2)]


def test_the_stand_in_refuses_an_eleventh_message_and_a_fourth_notification_as_google_does(google, card):
    from stampcard.wallet.google.client import GoogleWalletError, WalletClient, http_client

    object_id = installed(card).object_id
    loud, quiet = {"body": "x", "messageType": "TEXT_AND_NOTIFY"}, {"body": "x", "messageType": "TEXT"}
    with http_client() as http:
        client = WalletClient(http=http)
        for _ in range(3):
            client.add_message("loyaltyObject", object_id, loud)
        with pytest.raises(GoogleWalletError) as quota:
            client.add_message("loyaltyObject", object_id, loud)
        for _ in range(7):
            client.add_message("loyaltyObject", object_id, quiet)
        with pytest.raises(GoogleWalletError) as full:
            client.add_message("loyaltyObject", object_id, {"body": "x"})
        with pytest.raises(GoogleWalletError) as schema:
            client.add_message("loyaltyObject", object_id, {"body": "x", "messageType": "LOUD"})

    assert quota.value.status == 429 and "QuotaExceededException" in str(quota.value.body)
    assert full.value.status == 400 and schema.value.status == 400
    assert len(google.messages_of(object_id)) == MAX_MESSAGES


def test_texts_are_checked_and_cards_without_an_object_are_not_sent(google, card):
    installed(card)
    assert google_message_send(card, "x" * (MAX_CHARS + 1), message_key="a").code == "wallet_message_too_long"
    assert google_message_send(card, "", message_key="b").code == "wallet_message_empty"
    assert google_message_send(CardFactory(), "Hi", message_key="c").code == "wallet_pass_missing"
    assert google_message_send(card, "x" * MAX_CHARS, message_key="d").sent


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_never_notify_more_than_three_times_in_24_hours(google, card):
    google_object = installed(card)

    with clock.frozen_at(T0):
        outcomes = run_concurrently(lambda i: google_message_send(card, f"News {i}", message_key=f"m{i}"), n=8)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    results = [o.value for o in outcomes]
    assert all(r.sent for r in results)
    assert sum(r.notified for r in results) == 3
    assert GoogleNotification.objects.filter(google_object=google_object).count() == 3
    sent = added(google, google_object)
    assert len(sent) == 8 and sum(m["messageType"] == "TEXT_AND_NOTIFY" for m in sent) == 3
    assert google.state.notifications[google_object.object_id] == [T0] * 3  # Google refused none
