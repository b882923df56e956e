"""Each automation at its boundaries, on a fixed clock in the merchant's time zone (Kyiv: DST on 28 March 2027 at
03:00, back on 31 October 2027 at 04:00)."""

from datetime import date, timedelta

import pytest

from stampcard.campaigns.automations.models import AutomationFiring, AutomationKind
from stampcard.campaigns.messages.models import Message, MessageDelivery
from stampcard.campaigns.webhooks.models import WebhookDelivery
from stampcard.cards.models import CardEvent, EventKind
from stampcard.core import clock
from stampcard.core.validity import Validity
from stampcard.merchants.actors import Actor
from stampcard.rewards.models import Reward
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.models import Voucher
from tests.campaigns.automations.conftest import created_at, kyiv, run_at, switch_on, visit
from tests.campaigns.helpers import endpoint_make
from tests.factories import CardFactory, CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_queue")]


def holder(program, *, birthday=None, set_at=None, email="c@example.com"):
    customer = CustomerFactory(
        merchant=program.merchant,
        email=email,
        marketing_email_consent=True,
        birthday=birthday,
        birthday_set_at=set_at,
    )
    return CardFactory(program=program, customer=customer)


def fired(kind=None):
    rows = AutomationFiring.objects.all()
    return list((rows.filter(automation__kind=kind) if kind else rows).values_list("card_id", "occasion"))


# --- the merchant's daytime ---------------------------------------------------------------------------------------


def test_messages_go_out_from_the_send_hour_in_the_merchants_time_zone_not_at_night(program):
    card = holder(program)
    switch_on(program, AutomationKind.WIN_BACK, at=kyiv(2027, 1, 1), days=30)

    run_at(kyiv(2027, 3, 1, 3, 0))  # 3 am in Kyiv: nothing is sent
    assert fired() == []
    run_at(kyiv(2027, 3, 1, 9, 59))
    assert fired() == []
    run_at(kyiv(2027, 3, 1, 10, 0))
    assert [card_id for card_id, _ in fired()] == [card.pk]


@pytest.mark.parametrize(
    ("before", "at"),
    [
        # Winter time (UTC+2): 10:00 in Kyiv is 08:00 UTC.
        (kyiv(2027, 3, 27, 9, 59), kyiv(2027, 3, 27, 10, 0)),
        # The day after the clocks went forward (UTC+3): 10:00 in Kyiv is 07:00 UTC.
        (kyiv(2027, 3, 29, 9, 59), kyiv(2027, 3, 29, 10, 0)),
        # The day the clocks went back (31 October, UTC+3 -> UTC+2 at 04:00).
        (kyiv(2027, 10, 31, 9, 59), kyiv(2027, 10, 31, 10, 0)),
    ],
)
def test_the_send_hour_follows_the_merchants_clock_across_a_dst_change(program, before, at):
    holder(program)
    switch_on(program, AutomationKind.WIN_BACK, at=kyiv(2026, 12, 1), days=30)

    run_at(before)
    assert fired() == []
    run_at(at)
    assert len(fired()) == 1


def test_messages_wait_for_the_morning_after_the_latest_hour(program):
    holder(program)
    switch_on(program, AutomationKind.WIN_BACK, at=kyiv(2027, 1, 1), days=30)

    run_at(kyiv(2027, 3, 1, 21, 0))
    run_at(kyiv(2027, 3, 1, 23, 59))
    assert fired() == []


# --- birthday -----------------------------------------------------------------------------------------------------


def test_birthday_fires_n_days_before_and_not_a_day_earlier(program):
    card = holder(program, birthday=date(1991, 4, 3), set_at=kyiv(2026, 1, 1))
    switch_on(program, AutomationKind.BIRTHDAY, at=kyiv(2027, 1, 1), days=3)

    run_at(kyiv(2027, 3, 30, 20, 59))  # four days before (the DST change is between)
    assert fired() == []
    run_at(kyiv(2027, 3, 31, 10, 0))  # three days before
    assert fired() == [(card.pk, "birthday:2027")]


@pytest.mark.parametrize(("days_ago", "qualifies"), [(29, False), (31, True)])
def test_a_birthday_entered_less_than_30_days_ago_does_not_qualify(program, days_ago, qualifies):
    moment = kyiv(2027, 5, 1, 10)
    card = holder(program, birthday=date(1990, 5, 3), set_at=moment - timedelta(days=days_ago))
    switch_on(program, AutomationKind.BIRTHDAY, at=kyiv(2027, 1, 1), days=3)

    run_at(moment)

    assert fired() == ([(card.pk, "birthday:2027")] if qualifies else [])


def test_a_birthday_given_at_join_is_recorded_with_the_moment(merchant):
    from stampcard.customers import services as customers_services

    with clock.frozen_at(kyiv(2027, 2, 1, 12)):
        customer = customers_services.customer_create(merchant=merchant, name="Olena", birthday=date(1990, 5, 3))
    assert customer.birthday_set_at == kyiv(2027, 2, 1, 12)
    with clock.frozen_at(kyiv(2027, 2, 2, 12)):
        later = customers_services.customer_create(merchant=merchant, name="Ivan")
        customers_services.customer_fill_blanks(customer=later, birthday=date(1985, 1, 1))
    later.refresh_from_db()
    assert later.birthday_set_at == kyiv(2027, 2, 2, 12)


def test_birthday_fires_once_a_year(program):
    card = holder(program, birthday=date(1991, 6, 10), set_at=kyiv(2026, 1, 1))
    switch_on(program, AutomationKind.BIRTHDAY, at=kyiv(2027, 1, 1), days=3)

    for day in (7, 8, 9, 10):  # every day from three days before to the day itself
        run_at(kyiv(2027, 6, day, 10))
        run_at(kyiv(2027, 6, day, 15))
    run_at(kyiv(2028, 6, 8, 10))

    assert fired() == [(card.pk, "birthday:2027"), (card.pk, "birthday:2028")]
    assert Message.objects.count() == 2


def test_a_birthday_on_29_february_is_kept_on_28_february_in_other_years(program):
    card = holder(program, birthday=date(1992, 2, 29), set_at=kyiv(2026, 1, 1))
    switch_on(program, AutomationKind.BIRTHDAY, at=kyiv(2027, 1, 1), days=0)

    run_at(kyiv(2027, 2, 27, 10))
    assert fired() == []
    run_at(kyiv(2027, 2, 28, 10))
    assert fired() == [(card.pk, "birthday:2027")]


def test_birthday_gives_its_voucher_and_raises_the_webhook_event(program):
    card = holder(program, birthday=date(1991, 4, 3), set_at=kyiv(2026, 1, 1))
    endpoint = endpoint_make(program.merchant, "https://hooks.example.com/x", ["birthday.reached"])
    switch_on(
        program, AutomationKind.BIRTHDAY, at=kyiv(2027, 1, 1), days=3, voucher_title="Birthday cake", voucher_days=10
    )

    run_at(kyiv(2027, 3, 31, 10))
    run_at(kyiv(2027, 3, 31, 11))

    voucher = Voucher.objects.get(card=card)
    assert voucher.title == "Birthday cake"
    assert voucher.expires_at == kyiv(2027, 4, 10, 10)
    assert AutomationFiring.objects.get().voucher == voucher
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.event == "birthday.reached"
    assert '"days_before":3' in delivery.body and '"birthday":"1991-04-03"' in delivery.body


# --- win-back -----------------------------------------------------------------------------------------------------


def test_win_back_counts_calendar_days_from_the_last_visit_at_midnight(program, cashier):
    late = holder(program, email="late@example.com")
    early = holder(program, email="early@example.com")
    visit(late, kyiv(2027, 3, 2, 0, 0), actor=cashier.actor())  # the first minute of 2 March
    visit(early, kyiv(2027, 3, 1, 23, 59), actor=cashier.actor())  # the last minute of 1 March
    switch_on(program, AutomationKind.WIN_BACK, at=kyiv(2027, 1, 1), days=30)

    run_at(kyiv(2027, 3, 31, 10))  # 30 calendar days after 1 March, 29 after 2 March (DST on the 28th between)

    assert [card_id for card_id, _ in fired()] == [early.pk]


def test_win_back_fires_once_per_absence_and_a_new_visit_rearms_it(program, cashier):
    card = holder(program)
    endpoint = endpoint_make(program.merchant, "https://hooks.example.com/x", ["inactivity.reached"])
    visit(card, kyiv(2027, 1, 10, 12), actor=cashier.actor())
    switch_on(program, AutomationKind.WIN_BACK, at=kyiv(2027, 1, 1), days=30)

    run_at(kyiv(2027, 2, 9, 10))
    run_at(kyiv(2027, 2, 10, 10))
    run_at(kyiv(2027, 3, 20, 10))
    assert len(fired()) == 1

    visit(card, kyiv(2027, 3, 21, 12), actor=cashier.actor())
    run_at(kyiv(2027, 4, 19, 10))  # 29 days
    assert len(fired()) == 1
    run_at(kyiv(2027, 4, 20, 10))  # 30 days: a new absence
    assert len(fired()) == 2
    events = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert [d.event for d in events] == ["inactivity.reached"] * 2
    assert all('"days_since_last_visit":30' in d.body for d in events)


# --- one stamp to go, reward ready, welcome -----------------------------------------------------------------------


def test_one_stamp_to_go_fires_once_when_the_card_is_one_stamp_from_the_goal(program, cashier):
    card = holder(program)  # goal 8
    switch_on(program, AutomationKind.ONE_TO_GO, at=kyiv(2027, 1, 1))
    visit(card, kyiv(2027, 2, 1, 9), actor=cashier.actor(), stamps=6)
    run_at(kyiv(2027, 2, 1, 10))
    assert fired() == []

    visit(card, kyiv(2027, 2, 2, 9), actor=cashier.actor())
    run_at(kyiv(2027, 2, 2, 10))
    run_at(kyiv(2027, 2, 2, 11))
    assert len(fired()) == 1

    visit(card, kyiv(2027, 2, 3, 9), actor=cashier.actor(), stamps=8)  # the goal, and round two at 7 again
    run_at(kyiv(2027, 2, 3, 10))
    assert len(fired()) == 2


def test_reward_ready_fires_once_per_reward_reached_since_it_was_switched_on(program, cashier):
    card = holder(program)
    switch_on(program, AutomationKind.REWARD_READY, at=kyiv(2027, 1, 1))
    visit(card, kyiv(2027, 2, 1, 9), actor=cashier.actor(), stamps=8)
    reward = created_at(Reward.objects.get(card=card), kyiv(2027, 2, 1, 9))

    run_at(kyiv(2027, 2, 1, 10))
    run_at(kyiv(2027, 2, 1, 11))

    assert fired() == [(card.pk, f"reward:{reward.pk}")]
    (message,) = Message.objects.all()
    assert message.is_marketing is False  # about the customer's own reward


def test_reward_ready_fires_for_a_reward_that_became_a_voucher_in_the_card(program, cashier):
    from stampcard.cards.models import RewardKind

    program.reward_kind = RewardKind.VOUCHER
    program.save()
    card = CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, email="v@example.com"))
    switch_on(program, AutomationKind.REWARD_READY, at=kyiv(2027, 1, 1))
    visit(card, kyiv(2027, 2, 1, 9), actor=cashier.actor(), stamps=8)
    reward = created_at(Reward.objects.get(card=card), kyiv(2027, 2, 1, 9))
    assert Voucher.objects.get(card=card).state == "active"

    run_at(kyiv(2027, 2, 1, 10))

    assert fired() == [(card.pk, f"reward:{reward.pk}")]


def test_welcome_fires_for_cards_issued_after_it_was_switched_on(program):
    before = created_at(holder(program, email="a@example.com"), kyiv(2027, 1, 31))
    after = created_at(holder(program, email="b@example.com"), kyiv(2027, 2, 1, 23))
    switch_on(program, AutomationKind.WELCOME, at=kyiv(2027, 2, 1))

    run_at(kyiv(2027, 2, 1, 23, 30))  # joined late in the evening: welcomed the next morning
    assert fired() == []
    run_at(kyiv(2027, 2, 2, 10))
    run_at(kyiv(2027, 2, 2, 10, 5))

    assert fired() == [(after.pk, "welcome")]
    assert before.pk not in [card_id for card_id, _ in fired()]


def test_welcome_skips_cards_brought_in_by_an_import(program):
    from stampcard.cards import services as cards_services

    imported = created_at(holder(program, email="old@example.com"), kyiv(2027, 2, 1))
    with clock.frozen_at(kyiv(2027, 2, 1)):
        cards_services.card_balance_import(
            card=imported, actor=Actor.system(program.merchant), stamps=3, lifetime_stamps=3
        )
    joined = created_at(holder(program, email="new@example.com"), kyiv(2027, 2, 1))
    switch_on(program, AutomationKind.WELCOME, at=kyiv(2027, 1, 1))

    run_at(kyiv(2027, 2, 2, 10))

    assert fired() == [(joined.pk, "welcome")]


# --- voucher expiring ---------------------------------------------------------------------------------------------


def test_voucher_expiring_fires_n_days_before_the_merchants_midnight(program):
    card = holder(program)
    actor = Actor.system(program.merchant)
    with clock.frozen_at(kyiv(2027, 3, 1, 12)):
        (by_end_of_30th,) = vouchers_services.voucher_issue(
            actor=actor, card=card, title="A", validity=Validity(until=date(2027, 3, 30))
        )
        (by_31st_midnight,) = vouchers_services.voucher_issue(
            actor=actor, card=card, title="B", validity=Validity(until=date(2027, 3, 31))
        )
    for voucher in (by_end_of_30th, by_31st_midnight):
        created_at(voucher, kyiv(2027, 3, 1, 12))
    switch_on(program, AutomationKind.VOUCHER_EXPIRING, at=kyiv(2027, 1, 1), days=3)

    run_at(kyiv(2027, 3, 27, 10))  # A ends at the end of 30 March: three days away; B a day later
    assert fired() == [(card.pk, f"voucher:{by_end_of_30th.pk}")]
    run_at(kyiv(2027, 3, 28, 10))  # the clocks went forward overnight
    run_at(kyiv(2027, 3, 29, 10))
    assert sorted(fired()) == sorted(
        [(card.pk, f"voucher:{by_end_of_30th.pk}"), (card.pk, f"voucher:{by_31st_midnight.pk}")]
    )


# --- stamp expiry -------------------------------------------------------------------------------------------------


def _balance_is_the_ledger(card) -> None:
    card.refresh_from_db()
    assert card.stamps == sum(CardEvent.objects.filter(card=card).values_list("delta", flat=True))


def test_stamps_lapse_n_days_after_the_last_visit_with_a_reminder_m_days_before(program, cashier):
    card = holder(program)
    switch_on(program, AutomationKind.STAMP_EXPIRY, at=kyiv(2027, 1, 1), days=60, reminder_days=7)
    visit(card, kyiv(2027, 2, 1, 18), actor=cashier.actor(), stamps=5)

    run_at(kyiv(2027, 3, 25, 10))  # 52 days
    assert fired() == []
    run_at(kyiv(2027, 3, 26, 10))  # 53 days: seven days before the lapse, the reminder
    run_at(kyiv(2027, 3, 27, 10))
    assert [occasion.split(":")[0] for _, occasion in fired()] == ["reminder"]
    run_at(kyiv(2027, 4, 1, 23, 59))  # 59 days: nothing lapses yet
    card.refresh_from_db()
    assert card.stamps == 5

    run_at(kyiv(2027, 4, 2, 0, 0))  # 60 days, at the merchant's midnight (stamps lapse at any hour)

    card.refresh_from_db()
    assert card.stamps == 0
    (line,) = CardEvent.objects.filter(card=card, kind=EventKind.STAMPS_EXPIRED)
    assert line.delta == -5 and line.stamps_after == 0 and line.payload["idle_days"] == 60
    _balance_is_the_ledger(card)
    run_at(kyiv(2027, 4, 3, 10))
    assert CardEvent.objects.filter(card=card, kind=EventKind.STAMPS_EXPIRED).count() == 1
    assert AutomationFiring.objects.get(occasion__startswith="lapse").stamps_lapsed == 5


def test_switching_stamp_expiry_on_gives_everyone_the_full_stretch(program, cashier):
    card = holder(program)
    visit(card, kyiv(2026, 1, 1, 12), actor=cashier.actor(), stamps=3)  # long ago
    switch_on(program, AutomationKind.STAMP_EXPIRY, at=kyiv(2027, 3, 1, 12), days=30, reminder_days=0)

    run_at(kyiv(2027, 3, 2, 10))
    card.refresh_from_db()
    assert card.stamps == 3
    run_at(kyiv(2027, 4, 1, 10))
    card.refresh_from_db()
    assert card.stamps == 0


def test_a_visit_before_the_lapse_keeps_the_stamps(program, cashier):
    card = holder(program)
    switch_on(program, AutomationKind.STAMP_EXPIRY, at=kyiv(2027, 1, 1), days=30, reminder_days=0)
    visit(card, kyiv(2027, 2, 1, 12), actor=cashier.actor(), stamps=2)
    visit(card, kyiv(2027, 3, 2, 12), actor=cashier.actor())

    run_at(kyiv(2027, 3, 3, 10))

    card.refresh_from_db()
    assert card.stamps == 3
    assert not CardEvent.objects.filter(kind=EventKind.STAMPS_EXPIRED).exists()


# --- one message per run ------------------------------------------------------------------------------------------


def test_one_run_makes_one_message_with_a_delivery_per_card(program):
    cards = [holder(program, email=f"c{i}@example.com") for i in range(3)]
    switch_on(program, AutomationKind.WIN_BACK, at=kyiv(2027, 1, 1), days=30)

    report = run_at(kyiv(2027, 3, 1, 10))

    assert report.fired == 3 and report.messages == 1
    (message,) = Message.objects.all()
    assert message.source == "automation" and message.state == "sending"
    assert sorted(MessageDelivery.objects.values_list("card_id", flat=True)) == sorted(c.pk for c in cards)
    assert set(AutomationFiring.objects.values_list("message_id", flat=True)) == {message.pk}


def test_a_switched_off_automation_fires_nothing(program):
    holder(program)
    automation = switch_on(program, AutomationKind.WIN_BACK, at=kyiv(2027, 1, 1), days=30)
    automation.is_enabled = False
    automation.save()

    run_at(kyiv(2027, 3, 1, 10))

    assert fired() == []


def test_an_erased_or_merged_away_customer_gets_nothing(program):
    erased = holder(program, email="erased@example.com")
    erased.customer.erased_at = kyiv(2027, 1, 1)
    erased.customer.save()
    survivor = holder(program, email="survivor@example.com")
    merged = holder(program, email="merged@example.com")
    merged.merged_into = survivor
    merged.save()
    switch_on(program, AutomationKind.WIN_BACK, at=kyiv(2027, 1, 1), days=30)

    run_at(kyiv(2027, 3, 1, 10))

    assert [card_id for card_id, _ in fired()] == [survivor.pk]


def test_one_automation_failing_does_not_stop_the_others_and_fires_nothing_itself(program):
    card = holder(program)
    broken = switch_on(program, AutomationKind.WELCOME, at=kyiv(2027, 1, 1))
    created_at(card, kyiv(2027, 2, 1))
    type(broken).objects.filter(pk=broken.pk).update(channels=["pigeon"])  # a channel that went away
    switch_on(program, AutomationKind.WIN_BACK, at=kyiv(2027, 1, 1), days=14)

    report = run_at(kyiv(2027, 3, 1, 10))

    assert report.failed == 1
    assert fired() == [(card.pk, fired()[0][1])] and fired()[0][1].startswith("absence:")
