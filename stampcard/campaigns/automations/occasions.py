"""What is due for an automation today: the cards it should fire for, each with the occasion it fires for.

Each finder reads what is due now (never what fired: ``firing_exists`` in the queries only keeps the lists short), in
the merchant's calendar days, and returns at most ``limit`` occasions in card order; the rest come in the next run.
The unique (automation, card, occasion) index of ``AutomationFiring`` is what makes each fire once.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat

from stampcard.campaigns.automations import localtime
from stampcard.campaigns.automations.models import Automation, AutomationFiring, AutomationKind
from stampcard.cards.models import Card, CardEvent, EventKind, RewardKind
from stampcard.rewards.models import Reward, RewardState
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.states import VoucherState

# A birthday entered less than this long before the moment the automation would fire does not count.
BIRTHDAY_SETTLED = timedelta(days=30)


@dataclass(frozen=True)
class Due:
    card: Card
    occasion: str
    data: dict[str, Any] = field(default_factory=dict)  # what the webhook event adds to the card's data


@dataclass(frozen=True)
class Today:
    """The moment of the run, and the merchant's calendar day at that moment."""

    now: datetime
    day: date

    @property
    def tz(self) -> Any:
        return self.now.tzinfo


def holders(automation: Automation) -> "QuerySet[Any]":
    """Open cards of the automation's program whose customer is still known."""
    return (
        Card.objects.filter(
            program_id=automation.program_id, merged_into__isnull=True, customer__erased_at__isnull=True
        )
        .select_related("customer", "customer__merchant", "program", "program_version")
        .annotate(last_visit=Coalesce("last_stamp_at", "created_at"))
    )


def _fired(automation: Automation, **match: Any) -> Exists:
    return Exists(AutomationFiring.objects.filter(automation=automation, card=OuterRef("pk"), **match))


def _not_fired(automation: Automation, dues: list[Due]) -> list[Due]:
    if not dues:
        return dues
    done = set(
        AutomationFiring.objects.filter(
            automation=automation, card_id__in={due.card.pk for due in dues}, occasion__in={d.occasion for d in dues}
        ).values_list("card_id", "occasion")
    )
    return [due for due in dues if (due.card.pk, due.occasion) not in done]


def welcome(automation: Automation, today: Today, limit: int) -> list[Due]:
    """Cards issued since the automation was switched on; not the ones brought in by an import of the business's
    old customer base (they joined long ago, elsewhere)."""
    imported = CardEvent.objects.filter(card=OuterRef("pk"), kind=EventKind.IMPORTED)
    cards = (
        holders(automation)
        .filter(created_at__gte=automation.enabled_at)
        .exclude(_fired(automation, occasion="welcome"))
        .exclude(Exists(imported))
        .order_by("pk")[:limit]
    )
    return [Due(card, "welcome") for card in cards]


def next_birthday(birthday: date, today: date) -> date:
    """The customer's next birthday on or after ``today`` (29 February is kept on 28 February in other years)."""
    for year in (today.year, today.year + 1):
        try:
            candidate = birthday.replace(year=year)
        except ValueError:
            candidate = date(year, 2, 28)
        if candidate >= today:
            return candidate
    raise AssertionError("a birthday comes within a year")


def birthday(automation: Automation, today: Today, limit: int) -> list[Due]:
    """Customers whose birthday is at most ``days`` days away (so a day the scheduler missed is caught up), given at
    least ``BIRTHDAY_SETTLED`` before now; once per year of the birthday."""
    last = today.day + timedelta(days=automation.days)
    months = {(today.day + timedelta(days=n)).month for n in range((last - today.day).days + 1)}
    cards = (
        holders(automation)
        .filter(
            customer__birthday__isnull=False,
            customer__birthday__month__in=months,
            customer__birthday_set_at__lte=today.now - BIRTHDAY_SETTLED,
        )
        .order_by("pk")
    )
    dues = []
    for card in cards.iterator(chunk_size=500):
        born: date = card.customer.birthday
        coming = next_birthday(born, today.day)
        days_before = (coming - today.day).days
        if days_before <= automation.days:
            data = {"birthday": born.isoformat(), "days_before": days_before}
            dues.append(Due(card, f"birthday:{coming.year}", data))
    return _not_fired(automation, dues)[:limit]


def win_back(automation: Automation, today: Today, limit: int) -> list[Due]:
    """Cards not visited for ``days`` calendar days, once per absence: a firing after the last visit is this
    absence's, and the next visit moves the last visit past it."""
    cut = localtime.visited_before(today.day, automation.days, today.tz)
    cards = (
        holders(automation)
        .filter(last_visit__lt=cut)
        .exclude(_fired(automation, fired_at__gte=OuterRef("last_visit")))
        .order_by("pk")[:limit]
    )
    return [
        Due(
            card,
            f"absence:{card.last_visit.isoformat()}",
            {"days_since_last_visit": localtime.days_between(card.last_visit, today.day, today.tz)},
        )
        for card in cards
    ]


def _position(prefix: str) -> Concat:
    """``<prefix>:<round>:<lifetime stamps>``: one card position, so each time the card reaches it is one occasion."""
    return Concat(
        Value(f"{prefix}:"),
        Cast("cycle", CharField()),
        Value(":"),
        Cast("lifetime_stamps", CharField()),
        output_field=CharField(),
    )


def one_to_go(automation: Automation, today: Today, limit: int) -> list[Due]:
    """Cards one stamp from the goal of their rules (their version's, else the program's)."""
    cards = (
        holders(automation)
        .annotate(goal=Coalesce("program_version__goal", "program__goal"), position=_position("one_to_go"))
        .filter(stamps__gte=1, stamps=F("goal") - 1, last_visit__gte=automation.enabled_at)
        .exclude(_fired(automation, occasion=OuterRef("position")))
        .order_by("pk")[:limit]
    )
    return [Due(card, card.position) for card in cards]


def reward_ready(automation: Automation, today: Today, limit: int) -> list[Due]:
    """Rewards reached since the automation was switched on and still to be enjoyed — waiting at the counter, or
    turned into a voucher in the card that is still active — once each."""
    rewards = (
        Reward.objects.filter(
            Q(state=RewardState.READY) | Q(kind=RewardKind.VOUCHER, voucher__state=VoucherState.ACTIVE),
            card__program_id=automation.program_id,
            card__merged_into__isnull=True,
            card__customer__erased_at__isnull=True,
            created_at__gte=automation.enabled_at,
        )
        .select_related("card", "card__customer", "card__program", "card__program_version")
        .order_by("card_id", "created_at")
    )
    dues = []
    for reward in rewards.iterator(chunk_size=500):
        dues.append(Due(reward.card, f"reward:{reward.pk}", {"reward": {"id": str(reward.pk), "title": reward.title}}))
        if len(dues) >= limit * 4:
            break
    return _not_fired(automation, dues)[:limit]


def voucher_expiring(automation: Automation, today: Today, limit: int) -> list[Due]:
    """Active vouchers on cards that expire by the end of the merchant's day ``days`` days from today (a voucher valid
    until a day ends at the next midnight), once each;
    a voucher issued already inside that window (valid for fewer days) is not reminded of."""
    window_end = localtime.local_day_start(today.day + timedelta(days=automation.days + 1), today.tz)
    vouchers = (
        Voucher.objects.filter(
            card__program_id=automation.program_id,
            card__merged_into__isnull=True,
            card__customer__erased_at__isnull=True,
            state=VoucherState.ACTIVE,
            expires_at__gt=today.now,
            expires_at__lte=window_end,
            created_at__lt=F("expires_at") - timedelta(days=automation.days),
        )
        .select_related("card", "card__customer", "card__program", "card__program_version")
        .order_by("card_id", "expires_at")
    )
    dues = []
    for voucher in vouchers.iterator(chunk_size=500):
        if voucher.card is None:  # the query takes card vouchers only; this tells the type checker
            continue
        data = {"voucher": {"id": str(voucher.pk), "title": voucher.title}}
        dues.append(Due(voucher.card, f"voucher:{voucher.pk}", data))
        if len(dues) >= limit * 4:
            break
    return _not_fired(automation, dues)[:limit]


def lapse_cut(automation: Automation, today: Today) -> datetime | None:
    """Cards last visited before this lapse today; None while the policy is younger than its days (a customer
    gets the full stretch from the day it was switched on, never loses stamps at once)."""
    cut = localtime.visited_before(today.day, automation.days, today.tz)
    return cut if automation.enabled_at is not None and automation.enabled_at < cut else None


def expiry_reminder(automation: Automation, today: Today, limit: int) -> list[Due]:
    """Cards with stamps that lapse within ``reminder_days`` days (and not yet today), once per absence."""
    if not automation.reminder_days:
        return []
    remind = localtime.visited_before(today.day, automation.days - automation.reminder_days, today.tz)
    if automation.enabled_at is None or automation.enabled_at >= remind:
        return []
    lapse = localtime.visited_before(today.day, automation.days, today.tz)
    cards = (
        holders(automation)
        .filter(Q(last_visit__lt=remind) & Q(last_visit__gte=lapse), stamps__gt=0)
        .exclude(_fired(automation, fired_at__gte=OuterRef("last_visit")))
        .order_by("pk")[:limit]
    )
    return [Due(card, f"reminder:{card.last_visit.isoformat()}") for card in cards]


FINDERS: dict[str, Callable[[Automation, Today, int], list[Due]]] = {
    AutomationKind.WELCOME: welcome,
    AutomationKind.BIRTHDAY: birthday,
    AutomationKind.WIN_BACK: win_back,
    AutomationKind.ONE_TO_GO: one_to_go,
    AutomationKind.REWARD_READY: reward_ready,
    AutomationKind.VOUCHER_EXPIRING: voucher_expiring,
    AutomationKind.STAMP_EXPIRY: expiry_reminder,
}
