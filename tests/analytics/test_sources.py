"""Figures from outside the stamp lines: lottery outcomes against their odds, vouchers issued and redeemed."""

from datetime import timedelta

import pytest

from stampcard.analytics import rollups, selectors
from stampcard.analytics.periods import period_resolve
from stampcard.core import clock
from stampcard.lottery import fairness
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.models import Voucher
from tests.lottery.helpers import make_lottery, spin, variant

pytestmark = pytest.mark.django_db


def refresh_and_read(merchant, kind="day"):
    rollups.rollups_refresh(now=clock.now() + timedelta(minutes=5))
    today = clock.now().astimezone(merchant.tz).date()
    return selectors.analytics_summary(merchant=merchant, period=period_resolve(kind=kind, today=today))


def test_lottery_outcomes_stand_beside_their_odds(manager, card, monkeypatch):
    lottery = make_lottery(
        manager.actor(), [variant("nothing", 750_000, "Next time"), variant("award", 250_000, "Cookie", title="Cookie")]
    )
    rolls = [0, 100_000, 200_000, 900_000]  # three times nothing (the first 75 %), then the cookie
    monkeypatch.setattr(fairness, "roll_of", lambda **_: rolls.pop(0))
    for _ in range(4):
        spin(manager.actor(), card, lottery)

    summary = refresh_and_read(card.merchant)

    lines = {line["prize"]: line for line in summary.lottery}
    assert (lines["Next time"]["draws"], str(lines["Next time"]["share"]), str(lines["Next time"]["odds"])) == (
        3,
        "0.7500",
        "0.7500",
    )
    assert (lines["Cookie"]["draws"], str(lines["Cookie"]["share"]), str(lines["Cookie"]["odds"])) == (
        1,
        "0.2500",
        "0.2500",
    )
    assert summary.figure("lottery_draws").value == 4


def test_vouchers_issued_and_redeemed_give_the_redemption_rate(manager, card):
    (first,) = vouchers_services.voucher_issue(actor=manager.actor(), title="Free tea", card=card)
    vouchers_services.voucher_issue(actor=manager.actor(), title="Free cake")  # free-standing, on no card
    vouchers_services.voucher_redeem(actor=manager.actor(), code=first.code)

    summary = refresh_and_read(card.merchant)

    assert summary.figure("vouchers_issued").value == 2
    assert summary.figure("vouchers_redeemed").value == 1
    assert str(summary.figure("voucher_redemption_rate").value) == "0.5000"
    assert summary.roi.rewards_given == 1


def test_the_redemption_rate_counts_the_periods_own_vouchers_redeemed_by_now(manager, card):
    """A voucher issued last week and redeemed this week is one of last week's redeemed ones: this week's rate is
    not 1 redeemed / 0 issued, and last week's rises once it is redeemed (the refresh rebuilds its issue day)."""
    merchant = card.merchant
    last_week = clock.now() - timedelta(days=7)
    with clock.frozen_at(last_week):
        (old,) = vouchers_services.voucher_issue(actor=manager.actor(), title="Free tea", card=card)
    Voucher.objects.filter(pk=old.pk).update(created_at=last_week)
    rollups.rollups_refresh()  # the first run: everything so far, its clock at now
    vouchers_services.voucher_issue(actor=manager.actor(), title="Free cake", card=card)  # this week, not redeemed
    vouchers_services.voucher_redeem(actor=manager.actor(), code=old.code)

    this_week = refresh_and_read(merchant, kind="week")
    before = selectors.analytics_summary(merchant=merchant, period=this_week.previous)

    assert (this_week.figure("vouchers_issued").value, this_week.figure("vouchers_redeemed").value) == (1, 1)
    assert str(this_week.figure("voucher_redemption_rate").value) == "0.0000"
    assert str(before.figure("voucher_redemption_rate").value) == "1.0000"
