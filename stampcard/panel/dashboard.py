"""What the dashboard reads: today's figures in the merchant's time zone, the latest ledger lines, the plan's use, and
the open alerts about lookups refused past a limit, and the open suspicious-activity alerts of the scanner."""

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Count, Q, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from stampcard.api import alerts as api_alerts
from stampcard.api.models import LimitAlert
from stampcard.cards import counts as cards_counts
from stampcard.cards.models import CardEvent, EventKind
from stampcard.core import clock
from stampcard.merchants import metering
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Merchant
from stampcard.scanner import selectors as scanner_selectors
from stampcard.scanner.models import AbuseAlert

RECENT_EVENTS = 12
# Share of the monthly operations at which the dashboard starts warning.
USAGE_WARNING_SHARE = 0.8
ALERTS_SHOWN = 5
# What a limit alert's kind (the name of the lookup family that refused) counted, in the merchant's words.
ALERT_KINDS = {"lookup": _("card numbers or receipt codes"), "voucher-lookup": _("voucher codes")}


@dataclass(frozen=True)
class Today:
    stamps: int
    visits: int
    cards_issued: int
    rewards_reached: int
    cards_total: int


@dataclass(frozen=True)
class UsageBar:
    operations: int
    limit: int | None
    resets_at: datetime

    @property
    def percent(self) -> int:
        return 0 if not self.limit else min(100, round(100 * self.operations / self.limit))

    @property
    def level(self) -> str:
        """ "": fine; "warn": 80% used; "danger": used up (the plan refuses further operations)."""
        if not self.limit:
            return ""
        if self.operations >= self.limit:
            return "danger"
        return "warn" if self.operations >= USAGE_WARNING_SHARE * self.limit else ""


@dataclass(frozen=True)
class AlertRow:
    alert: LimitAlert
    what: str | Promise  # what was looked up, in the merchant's words

    @property
    def window_minutes(self) -> int:
        return max(1, self.alert.window_seconds // 60)


@dataclass(frozen=True)
class OpenAlerts:
    rows: list[AlertRow]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def today_figures(*, merchant: Merchant) -> Today:
    now = clock.now().astimezone(merchant.tz)
    start = datetime.combine(now.date(), time.min, tzinfo=merchant.tz)
    events = CardEvent.objects.filter(merchant=merchant, created_at__gte=start).aggregate(
        stamps=Sum("delta", filter=Q(kind=EventKind.STAMP), default=0),
        visits=Count("check_ref", filter=Q(kind=EventKind.STAMP), distinct=True),
        rewards=Count("id", filter=Q(kind=EventKind.REWARD_ISSUED)),
        # Every issued card has its "card issued" line: today's are among the lines read here anyway.
        issued=Count("id", filter=Q(kind=EventKind.CARD_ISSUED)),
    )
    return Today(
        stamps=events["stamps"],
        visits=events["visits"],
        cards_issued=events["issued"],
        rewards_reached=events["rewards"],
        # Kept beside the cards (``cards.counts``): a few rows, not a count of the merchant's cards.
        cards_total=cards_counts.cards_total(merchant=merchant),
    )


def recent_events(*, merchant: Merchant, limit: int = RECENT_EVENTS) -> list[CardEvent]:
    return list(
        CardEvent.objects.filter(merchant=merchant)
        .select_related("card__customer", "card__program", "location", "actor")
        .order_by("-id")[:limit]
    )


def usage_bar(*, merchant: Merchant) -> UsageBar:
    usage = metering.usage_get(merchant=merchant)
    return UsageBar(operations=usage.operations, limit=usage.limit, resets_at=usage.resets_at)


def open_alerts(*, merchant: Merchant, shown: int = ALERTS_SHOWN) -> OpenAlerts:
    """The newest open limit alerts, with how many are open in all."""
    alerts = api_alerts.limit_alerts_open(merchant=merchant)
    rows = [AlertRow(alert=alert, what=ALERT_KINDS.get(alert.kind, _("codes"))) for alert in alerts[:shown]]
    return OpenAlerts(rows=rows, total=len(rows) if len(rows) < shown else alerts.count())


@dataclass(frozen=True)
class AbuseAlerts:
    """The newest open suspicious-activity alerts the viewer may see, and how many are open in all."""

    latest: list[AbuseAlert]
    total: int


def open_abuse_alerts(*, actor: Actor, shown: int = ALERTS_SHOWN) -> AbuseAlerts:
    alerts = scanner_selectors.alerts_list(actor=actor)
    latest = list(alerts[:shown])
    return AbuseAlerts(latest=latest, total=len(latest) if len(latest) < shown else alerts.count())
