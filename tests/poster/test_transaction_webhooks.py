"""Transaction webhooks end to end: Poster's webhook -> our endpoint -> the task fetches dash.getTransaction from the
stand-in over HTTP -> a check is committed, corrected to the paid sum, or reversed."""

from datetime import timedelta

import pytest

from stampcard.cards.checks import CheckInput
from stampcard.cards.models import Card, CardEvent, Check, CheckState, EarningRule, EventKind
from stampcard.checkouts import services as checkouts_services
from stampcard.merchants.actors import Channel
from stampcard.poster import deliveries
from stampcard.poster import services as poster_services
from stampcard.poster.models import AccountStatus, DeliveryOutcome, PosterSpot, PosterWebhookDelivery
from stampcard.receipts import services as receipts_services
from stampcard.receipts.models import ReceiptToken
from tests.cards.helpers import ledger_sum
from tests.factories import CardFactory, ProgramFactory
from tests.poster.conftest import ACCOUNT, post_webhook

pytestmark = pytest.mark.django_db


def ring_up(poster, *, card=None, products=(("1", 1),), spot_id="1", comment=None, close=True, **payment):
    """An order on the stand-in's register, with the card's marker in the comment; closed unless told otherwise."""
    if comment is None and card is not None:
        comment = f"Table 4. stampcard:{card.number}"
    transaction_id = poster.transaction_open(ACCOUNT, spot_id=spot_id, products=list(products), comment=comment)
    if close:
        poster.transaction_close(ACCOUNT, transaction_id, **payment)
    return transaction_id


def deliver(poster, capture, transaction_id, action="changed", *, sent_at=None):
    """Poster's webhook for the transaction, processed as the worker would (tasks run at once after commit)."""
    with capture(execute=True):
        response = post_webhook(poster.webhook_body(ACCOUNT, "transaction", transaction_id, action, sent_at=sent_at))
    assert response.status_code == 200
    return PosterWebhookDelivery.objects.filter(object_id=str(transaction_id)).order_by("-pk").first()


def reload(card) -> Card:
    return Card.objects.get(pk=card.pk)


def test_a_closed_order_with_a_card_stamps_it_once_at_the_spots_location(
    poster, connected, card, location, django_capture_on_commit_callbacks
):
    transaction_id = ring_up(poster, card=card)
    delivery = deliver(poster, django_capture_on_commit_callbacks, transaction_id)
    assert delivery.outcome == DeliveryOutcome.STAMPED
    check = Check.objects.get()
    assert (check.pos, check.external_id, check.total, check.currency) == ("poster", str(transaction_id), 5500, "UAH")
    assert check.location == location and check.card == card and check.closed_at is not None
    event = CardEvent.objects.get(kind=EventKind.STAMP)
    assert event.channel == Channel.POSTER and event.location == location and event.actor is None
    assert reload(card).stamps == 1
    assert delivery.detail["paid"] == 5500 and delivery.detail["card"] == card.number
    # it really asked Poster, with products and history
    (call,) = [query for method, query in poster.calls("dash.getTransaction")]
    assert call["transaction_id"] == str(transaction_id)
    assert call["include_products"] == "true" and call["include_history"] == "true"


def test_a_webhook_redelivered_16_times_gives_one_stamp(poster, connected, card, django_capture_on_commit_callbacks):
    transaction_id = ring_up(poster, card=card)
    body = poster.webhook_body(ACCOUNT, "transaction", transaction_id, "changed")
    with django_capture_on_commit_callbacks(execute=True):
        answers = [post_webhook(body).status_code for _ in range(16)]
    assert answers == [200] * 16
    assert PosterWebhookDelivery.objects.count() == 1
    assert Check.objects.count() == 1 and CardEvent.objects.filter(kind=EventKind.STAMP).count() == 1
    assert reload(card).stamps == 1


def test_sixteen_deliveries_with_fresh_times_still_give_one_stamp(
    poster, connected, card, django_capture_on_commit_callbacks
):
    # If Poster re-stamps ``time`` on each retry the deliveries differ; the check's own idempotency still holds.
    transaction_id = ring_up(poster, card=card)
    outcomes = [
        deliver(poster, django_capture_on_commit_callbacks, transaction_id, sent_at=1_700_000_000 + i).outcome
        for i in range(16)
    ]
    assert outcomes == [DeliveryOutcome.STAMPED] + [DeliveryOutcome.REPLAYED] * 15
    assert CardEvent.objects.filter(kind=EventKind.STAMP).count() == 1
    assert reload(card).stamps == 1


def test_an_open_order_is_left_alone(poster, connected, card, django_capture_on_commit_callbacks):
    transaction_id = ring_up(poster, card=card, close=False)
    delivery = deliver(poster, django_capture_on_commit_callbacks, transaction_id)
    assert delivery.outcome == DeliveryOutcome.OPEN
    assert not Check.objects.exists()


def test_the_undocumented_closed_action_is_handled_like_changed(
    poster, connected, card, django_capture_on_commit_callbacks
):
    transaction_id = ring_up(poster, card=card)
    assert deliver(poster, django_capture_on_commit_callbacks, transaction_id, "closed").outcome == "stamped"


def test_an_order_without_a_card_stamps_nothing(poster, connected, django_capture_on_commit_callbacks):
    transaction_id = ring_up(poster, comment="no loyalty here, table 123456")
    assert deliver(poster, django_capture_on_commit_callbacks, transaction_id).outcome == DeliveryOutcome.NO_CARD
    assert not Check.objects.exists()


def test_an_unknown_card_is_recorded_as_such(poster, connected, django_capture_on_commit_callbacks):
    transaction_id = ring_up(poster, comment="stampcard:999999")
    delivery = deliver(poster, django_capture_on_commit_callbacks, transaction_id)
    assert delivery.outcome == DeliveryOutcome.CARD_NOT_FOUND
    assert not Check.objects.exists()


def test_the_card_can_be_named_by_its_qr_payload(poster, connected, card, django_capture_on_commit_callbacks):
    transaction_id = ring_up(poster, comment=f"STAMPCARD: {card.qr_payload.lower()}")
    assert deliver(poster, django_capture_on_commit_callbacks, transaction_id).outcome == DeliveryOutcome.STAMPED
    assert reload(card).stamps == 1


def test_the_paid_sum_not_the_order_sum_is_the_check_total(
    merchant, poster, connected, django_capture_on_commit_callbacks
):
    program = ProgramFactory(merchant=merchant, earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=5000)
    card = CardFactory(program=program)
    # 55 + 120.50 = 175.50 UAH ordered; 50 UAH of it covered by a loyalty bonus (setOrderBonus), the rest in cash.
    transaction_id = ring_up(poster, card=card, products=(("1", 1), ("3", 1)), bonus_cents=5000)
    deliver(poster, django_capture_on_commit_callbacks, transaction_id)
    check = Check.objects.get()
    assert check.total == 12550  # payed_sum = cash + card, in kopecks
    assert check.stamps_issued == 2 and reload(card).stamps == 2


def test_an_unmapped_spot_stamps_without_a_location(poster, connected, card, django_capture_on_commit_callbacks):
    transaction_id = ring_up(poster, card=card, spot_id="2")
    deliver(poster, django_capture_on_commit_callbacks, transaction_id)
    assert Check.objects.get().location is None


def test_a_spot_opened_after_connecting_is_recorded_unmapped(
    poster, connected, card, django_capture_on_commit_callbacks
):
    poster.state.accounts[ACCOUNT].spots["9"] = type(poster.state.accounts[ACCOUNT].spots["1"])("9", "New spot")
    transaction_id = ring_up(poster, card=card, spot_id="9")
    deliver(poster, django_capture_on_commit_callbacks, transaction_id)
    assert PosterSpot.objects.get(poster_account=connected, spot_id="9").location is None
    assert Check.objects.get().location is None


# -- removed and returned -----------------------------------------------------------------------------------------


def test_a_removed_transaction_reverses_its_stamps(poster, connected, card, django_capture_on_commit_callbacks):
    transaction_id = ring_up(poster, card=card)
    deliver(poster, django_capture_on_commit_callbacks, transaction_id)
    assert reload(card).stamps == 1
    poster.transaction_remove(ACCOUNT, transaction_id, send=False)
    delivery = deliver(poster, django_capture_on_commit_callbacks, transaction_id, "removed")
    assert delivery.outcome == DeliveryOutcome.REVERSED
    check = Check.objects.get()
    assert check.state == CheckState.REVERSED and check.reversal_kind == "void"
    assert reload(card).stamps == 0 and ledger_sum(card) == 0
    # removed again (a redelivery at another time): replays, takes nothing more
    again = deliver(poster, django_capture_on_commit_callbacks, transaction_id, "removed", sent_at=1)
    assert again.outcome == DeliveryOutcome.REVERSED and again.detail["replayed"] is True
    assert CardEvent.objects.filter(kind=EventKind.REVERSAL).count() == 1


def test_a_changed_webhook_for_a_removed_transaction_reverses_too(
    poster, connected, card, django_capture_on_commit_callbacks
):
    transaction_id = ring_up(poster, card=card)
    deliver(poster, django_capture_on_commit_callbacks, transaction_id)
    poster.transaction_remove(ACCOUNT, transaction_id, send=False)
    later = deliver(poster, django_capture_on_commit_callbacks, transaction_id, sent_at=2)
    assert later.outcome == DeliveryOutcome.REVERSED
    assert reload(card).stamps == 0


def test_a_fiscal_return_reverses_as_a_refund(poster, connected, card, django_capture_on_commit_callbacks):
    transaction_id = ring_up(poster, card=card)
    deliver(poster, django_capture_on_commit_callbacks, transaction_id)
    poster.transaction_return(ACCOUNT, transaction_id, send=False)
    deliver(poster, django_capture_on_commit_callbacks, transaction_id, sent_at=2)
    check = Check.objects.get()
    assert check.state == CheckState.REVERSED and check.reversal_kind == "refund"
    assert reload(card).stamps == 0


def test_removing_an_order_that_never_stamped_does_nothing(poster, connected, django_capture_on_commit_callbacks):
    transaction_id = ring_up(poster, comment="")
    poster.transaction_remove(ACCOUNT, transaction_id, send=False)
    delivery = deliver(poster, django_capture_on_commit_callbacks, transaction_id, "removed")
    assert delivery.outcome == DeliveryOutcome.NOTHING_TO_REVERSE


def test_removing_an_order_whose_receipt_qr_was_not_collected_voids_the_claim(
    poster, connected, program, django_capture_on_commit_callbacks
):
    transaction_id = ring_up(poster, comment="")
    receipts_services.receipt_create(
        actor=poster_services.poster_actor(poster_account=connected),
        check=CheckInput(external_id=str(transaction_id), total=5500, currency="UAH", pos="poster"),
    )
    poster.transaction_remove(ACCOUNT, transaction_id, send=False)

    delivery = deliver(poster, django_capture_on_commit_callbacks, transaction_id, "removed")

    assert delivery.outcome == DeliveryOutcome.REVERSED and delivery.detail["receipt_claim_voided"] is True
    claim = ReceiptToken.objects.get()
    assert claim.voided_at is not None and claim.void_reason == "reversed"
    assert not Check.objects.exists()


# -- the POS app committed first: reconcile to Poster's paid sum ---------------------------------------------------


def _per_amount_card(merchant):
    program = ProgramFactory(merchant=merchant, earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=5000)
    return CardFactory(program=program)


def test_a_pos_commit_with_another_amount_is_corrected_to_the_paid_sum(
    merchant, poster, connected, cashier, django_capture_on_commit_callbacks
):
    card = _per_amount_card(merchant)
    transaction_id = ring_up(poster, card=card, products=(("1", 1), ("3", 1)))  # 175.50 UAH paid
    # The POS app committed 55 UAH (it missed the cake): 1 stamp.
    commit = CheckInput(external_id=str(transaction_id), total=5500, currency="UAH", pos="poster")
    checkouts_services.checkout_commit(actor=cashier.actor(), card_ref=card.number, check=commit)
    delivery = deliver(poster, django_capture_on_commit_callbacks, transaction_id)
    assert delivery.outcome == DeliveryOutcome.AMENDED
    assert delivery.detail["committed_total"] == 5500 and delivery.detail["paid"] == 17550
    assert delivery.detail["difference"] == 12050 and delivery.detail["stamps_delta"] == 2
    check = Check.objects.get()
    assert check.total == 17550 and check.stamps_issued == 3
    assert reload(card).stamps == 3 and ledger_sum(card) == 3
    # the next webhook finds nothing more to correct
    again = deliver(poster, django_capture_on_commit_callbacks, transaction_id, sent_at=5)
    assert again.outcome == DeliveryOutcome.REPLAYED and reload(card).stamps == 3


def test_a_pos_commit_above_the_paid_sum_gives_back_the_extra_stamps(
    merchant, poster, connected, cashier, django_capture_on_commit_callbacks
):
    card = _per_amount_card(merchant)
    transaction_id = ring_up(poster, card=card, products=(("1", 1),))  # 55 UAH paid
    commit = CheckInput(external_id=str(transaction_id), total=17550, currency="UAH", pos="poster")
    checkouts_services.checkout_commit(actor=cashier.actor(), card_ref=card.number, check=commit)
    assert reload(card).stamps == 3
    delivery = deliver(poster, django_capture_on_commit_callbacks, transaction_id)
    assert delivery.outcome == DeliveryOutcome.AMENDED and delivery.detail["stamps_delta"] == -2
    assert reload(card).stamps == 1 and Check.objects.get().stamps_issued == 1


def test_a_pos_commit_of_the_same_amount_is_a_replay(
    poster, connected, card, cashier, django_capture_on_commit_callbacks
):
    transaction_id = ring_up(poster, card=card)
    commit = CheckInput(external_id=str(transaction_id), total=5500, currency="UAH", pos="poster")
    checkouts_services.checkout_commit(actor=cashier.actor(), card_ref=card.number, check=commit)
    assert deliver(poster, django_capture_on_commit_callbacks, transaction_id).outcome == DeliveryOutcome.REPLAYED
    assert reload(card).stamps == 1


def test_the_webhook_completes_a_check_the_pos_app_committed_without_the_card_marker(
    poster, connected, card, cashier, django_capture_on_commit_callbacks
):
    # Online commit from the POS app, no marker in the comment: the webhook still reconciles by transaction id.
    transaction_id = ring_up(poster, comment="")
    commit = CheckInput(external_id=str(transaction_id), total=5500, currency="UAH", pos="poster")
    checkouts_services.checkout_commit(actor=cashier.actor(), card_ref=card.number, check=commit)
    assert deliver(poster, django_capture_on_commit_callbacks, transaction_id).outcome == DeliveryOutcome.REPLAYED


# -- account and Poster failures ----------------------------------------------------------------------------------


def test_a_token_poster_refuses_marks_the_account_for_reconnecting(
    poster, connected, card, django_capture_on_commit_callbacks
):
    transaction_id = ring_up(poster, card=card)
    poster.token_revoke(connected.token)
    delivery = deliver(poster, django_capture_on_commit_callbacks, transaction_id)
    assert delivery.outcome == DeliveryOutcome.TOKEN_REJECTED and delivery.detail["code"] == 11
    connected.refresh_from_db()
    assert connected.status == AccountStatus.TOKEN_REJECTED
    assert not Check.objects.exists()


def test_a_transaction_poster_does_not_know_is_recorded(poster, connected, django_capture_on_commit_callbacks):
    delivery = deliver(poster, django_capture_on_commit_callbacks, 987654)
    assert delivery.outcome == DeliveryOutcome.TRANSACTION_NOT_FOUND and delivery.detail["code"] == 32


def test_a_disconnected_account_acts_on_nothing(poster, connected, card, django_capture_on_commit_callbacks):
    connected.status = AccountStatus.DISCONNECTED
    connected.save()
    transaction_id = ring_up(poster, card=card)
    assert deliver(poster, django_capture_on_commit_callbacks, transaction_id).outcome == "account_not_connected"
    assert not poster.calls("dash.getTransaction")


def test_poster_being_down_leaves_the_delivery_pending_for_a_retry(poster, connected, card, settings):

    transaction_id = ring_up(poster, card=card)
    response = post_webhook(poster.webhook_body(ACCOUNT, "transaction", transaction_id, "changed"))
    assert response.status_code == 200
    delivery = PosterWebhookDelivery.objects.get()
    poster.fail_next(settings.POSTER_MAX_ATTEMPTS, status=502, path_contains="dash.getTransaction")
    report = deliveries.delivery_process(delivery_id=delivery.pk)
    assert report.retry and report.outcome == DeliveryOutcome.PENDING
    delivery.refresh_from_db()
    assert delivery.processed_at is None and delivery.attempts == 1
    assert len(poster.calls("dash.getTransaction")) == settings.POSTER_MAX_ATTEMPTS
    # the next attempt gets through
    assert deliveries.delivery_process(delivery_id=delivery.pk).outcome == DeliveryOutcome.STAMPED
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and reload(card).stamps == 1
    # and a processed delivery is not processed again
    assert deliveries.delivery_process(delivery_id=delivery.pk).outcome == DeliveryOutcome.STAMPED
    assert len(poster.calls("dash.getTransaction")) == settings.POSTER_MAX_ATTEMPTS + 1


def test_the_task_retries_later_under_a_reserved_lease_and_gives_up_after_its_attempts(
    poster, connected, card, settings
):
    from django_tasks import task_backends

    from stampcard.poster import tasks

    settings.POSTER_WEBHOOK_MAX_ATTEMPTS = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    transaction_id = ring_up(poster, card=card)
    with_commit = post_webhook(poster.webhook_body(ACCOUNT, "transaction", transaction_id, "changed"))
    assert with_commit.status_code == 200
    delivery = PosterWebhookDelivery.objects.get()
    queued = task_backends["default"].results
    tasks.poster_delivery_process.enqueue(delivery_id=delivery.pk, lease="first-run")  # what the webhook queues
    poster.fail_next(settings.POSTER_MAX_ATTEMPTS * 2, status=503)

    tasks.poster_delivery_process.call(**queued[-1].kwargs)

    delivery.refresh_from_db()
    assert delivery.processed_at is None and delivery.attempts == 1
    retry = queued[-1]
    assert retry.kwargs["lease"] not in ("", "first-run") and retry.task.run_after is not None
    assert delivery.lease_owner == retry.kwargs["lease"] and delivery.lease_until > retry.task.run_after
    # Reserved for the retry: neither another run nor the sweep takes it meanwhile.
    assert deliveries.delivery_process(delivery_id=delivery.pk).busy
    assert delivery.pk not in deliveries.deliveries_stalled(older_than=timedelta(minutes=10))

    tasks.poster_delivery_process.call(**retry.kwargs)

    delivery.refresh_from_db()
    assert delivery.outcome == DeliveryOutcome.FAILED and delivery.processed_at is not None
    assert delivery.attempts == 2 and reload(card).stamps == 0


def test_a_delivery_whose_task_was_lost_is_resumed_by_the_periodic_sweep(poster, connected, card, settings):
    from stampcard.core import clock
    from stampcard.poster import tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # the enqueue goes nowhere
    transaction_id = ring_up(poster, card=card)
    post_webhook(poster.webhook_body(ACCOUNT, "transaction", transaction_id, "changed"))
    fresh = post_webhook(poster.webhook_body(ACCOUNT, "transaction", transaction_id, "changed", sent_at=9))
    assert fresh.status_code == 200
    stalled = PosterWebhookDelivery.objects.order_by("pk").first()
    PosterWebhookDelivery.objects.filter(pk=stalled.pk).update(received_at=clock.now() - timedelta(minutes=11))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert tasks.poster_deliveries_resume.call() == 1  # the fresh one may still have its task coming
    stalled.refresh_from_db()
    assert stalled.outcome == DeliveryOutcome.STAMPED and reload(card).stamps == 1


def test_an_order_closed_without_payment_stamps_nothing(poster, connected, card, django_capture_on_commit_callbacks):
    # e.g. the guest left (Poster closes it with pay_type 0) or a gift covered entirely by a bonus
    transaction_id = ring_up(poster, card=card, cash_cents=0, bonus_cents=5500)
    delivery = deliver(poster, django_capture_on_commit_callbacks, transaction_id)
    assert delivery.outcome == DeliveryOutcome.IGNORED and delivery.detail["reason"] == "not_paid"
    assert not Check.objects.exists() and reload(card).stamps == 0
