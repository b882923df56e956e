"""Anti-abuse rules of the self-service channels (kiosk and autopilot devices), and the alerts they raise.

Every rule is a setting of the card's ``Program``; 0 turns it off. The stamp rules are evaluated from the card
ledger (``CardEvent``: kind, channel, location, created_at) by a caller holding the card's row lock in the same
transaction that then writes the stamp, so two kiosks scanning one card at the same instant queue on the lock and
the second one sees the first one's stamp. Self-service stamps are the ledger's ``kiosk`` channel (autopilot
devices stamp on it too: no staff member looks at those scans either).

- visit window: at most one self-service stamp per card per location within ``selfservice_visit_window_minutes``;
- daily cap: at most ``selfservice_daily_cap`` self-service stamps (stamping scans) per card per calendar day of
  the merchant's time zone;
- voucher cooldown: for ``selfservice_voucher_cooldown_minutes`` after a voucher redemption on a card (any
  channel), the card's next self-service stamp or self-service redemption waits;
- device rate: at most ``selfservice_device_scans_per_minute`` card scans per device per minute (the setting of the
  merchant's default program: a device scans cards of every program).

Refusals are recorded (``ScanRefusal``); ``alert_refusals_per_day`` of them for one card in a day raise one
``repeated_refusals`` alert, and more than ``alert_stamps_per_day`` stamping operations on one card in a day from any
channel raise one ``unusual_activity`` alert (checked inline after self-service stamps, and by the periodic
``tasks.scanner_alerts_scan`` for the other channels).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from stampcard.cards.models import Card, CardEvent, EventKind, Program
from stampcard.core import clock
from stampcard.core.throttle import Limit, ThrottleExceeded, throttle_take
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Location
from stampcard.scanner import locks
from stampcard.scanner.errors import DeviceRateLimited
from stampcard.scanner.models import AbuseAlert, AlertKind, RefusalCode, ScannerDevice, ScanRefusal

SELF_SERVICE_CHANNEL = Channel.KIOSK
DEVICE_WINDOW_SECONDS = 60
DEFAULT_DEVICE_SCANS_PER_MINUTE = 20  # when the merchant has no program to read the setting from
LEDGER_CURSOR = "scanner.unusual_activity"
LEDGER_SETTLE = timedelta(minutes=1)  # ledger rows older than this are committed: the scan may pass them


# --- the day in the merchant's time zone ---------------------------------------------------------------------------


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a calendar day in ``tz``, as aware datetimes (23 or 25 hours long on DST changes)."""
    return datetime.combine(day, time.min, tzinfo=tz), datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


# --- refusals ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why a self-service stamp or redemption cannot happen now, and from when it can."""

    code: RefusalCode
    retry_at: datetime | None
    now: datetime
    tz: ZoneInfo
    last_at: datetime | None = None  # the ledger event the rule counted from
    for_redemption: bool = False

    def message(self) -> str:
        """Plain words for the guest, in the active language, times in the merchant's time zone."""
        when = _when(self.retry_at, now=self.now, tz=self.tz) if self.retry_at else ""
        if self.code == RefusalCode.VISIT_WINDOW:
            if self.last_at is not None and local_day(self.last_at, self.tz) == local_day(self.now, self.tz):
                return _("You already collected a stamp here today. The next one is possible %(when)s.") % {
                    "when": when
                }
            return _("You already collected a stamp here recently. The next one is possible %(when)s.") % {"when": when}
        if self.code == RefusalCode.DAILY_CAP:
            return _("You have collected all of today's self-service stamps. The next one is possible tomorrow.")
        if self.for_redemption:
            return _("A voucher was just redeemed on this card. The next one can be redeemed %(when)s.") % {
                "when": when
            }
        return _("A voucher was just redeemed on this card. The next stamp is possible %(when)s.") % {"when": when}

    def as_dict(self) -> dict[str, Any]:
        retry_at = self.retry_at.astimezone(UTC) if self.retry_at else None
        return {"code": self.code.value, "message": self.message(), "retry_at": retry_at}


def _when(moment: datetime, *, now: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    days = (local.date() - local_day(now, tz)).days
    hhmm = local.strftime("%H:%M")
    if days <= 0:
        return _("from %(time)s") % {"time": hhmm}
    if days == 1:
        return _("tomorrow from %(time)s") % {"time": hhmm}
    return _("on %(date)s from %(time)s") % {"date": date_format(local.date(), "SHORT_DATE_FORMAT"), "time": hhmm}


def _selfservice_stamps(card: Card) -> "QuerySet[CardEvent]":
    return CardEvent.objects.filter(card=card, kind=EventKind.STAMP, channel=SELF_SERVICE_CHANNEL)


def _visit_window(*, card: Card, program: Program, location: Location, now: datetime) -> Refusal | None:
    minutes = program.selfservice_visit_window_minutes
    if not minutes:
        return None
    window = timedelta(minutes=minutes)
    last = (
        _selfservice_stamps(card)
        .filter(location=location, created_at__gt=now - window)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return None
    return Refusal(RefusalCode.VISIT_WINDOW, retry_at=last + window, now=now, tz=card.merchant.tz, last_at=last)


def _daily_cap(*, card: Card, program: Program, now: datetime) -> Refusal | None:
    cap = program.selfservice_daily_cap
    if not cap:
        return None
    tz = card.merchant.tz
    start, end = day_bounds(local_day(now, tz), tz)
    if _selfservice_stamps(card).filter(created_at__gte=start).count() < cap:
        return None
    return Refusal(RefusalCode.DAILY_CAP, retry_at=end, now=now, tz=tz)


def _voucher_cooldown(*, card: Card, program: Program, now: datetime, for_redemption: bool) -> Refusal | None:
    minutes = program.selfservice_voucher_cooldown_minutes
    if not minutes:
        return None
    cooldown = timedelta(minutes=minutes)
    last = (
        CardEvent.objects.filter(card=card, kind=EventKind.VOUCHER_REDEEMED, created_at__gt=now - cooldown)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return None
    return Refusal(
        RefusalCode.VOUCHER_COOLDOWN,
        retry_at=last + cooldown,
        now=now,
        tz=card.merchant.tz,
        last_at=last,
        for_redemption=for_redemption,
    )


def stamp_refusal(*, card: Card, program: Program, location: Location, now: datetime) -> Refusal | None:
    """Whether a self-service stamp on ``card`` at ``location`` is refused now. Precondition: the caller holds the
    card's lock in the transaction that will write the stamp. When several rules refuse, the one that lifts last
    is reported: its ``retry_at`` is the earliest moment the guest can really come back."""
    refusals = [
        refusal
        for refusal in (
            _voucher_cooldown(card=card, program=program, now=now, for_redemption=False),
            _visit_window(card=card, program=program, location=location, now=now),
            _daily_cap(card=card, program=program, now=now),
        )
        if refusal is not None
    ]
    return max(refusals, key=lambda r: r.retry_at or now) if refusals else None


def redemption_refusal(*, card: Card, program: Program, now: datetime) -> Refusal | None:
    """Whether a self-service voucher redemption on ``card`` is refused now (the voucher cooldown)."""
    return _voucher_cooldown(card=card, program=program, now=now, for_redemption=True)


def device_scan_take(*, device: ScannerDevice, program: Program | None) -> None:
    """Count one scan of a self-service device; raises DeviceRateLimited (with ``retry_after``) past the limit.

    Runs in its own short transaction (``throttle_take``), before the scan's: call it outside any atomic block, so
    that a scan refused later still counts."""
    per_minute = program.selfservice_device_scans_per_minute if program else DEFAULT_DEVICE_SCANS_PER_MINUTE
    if not per_minute:
        return
    try:
        throttle_take(limits=[Limit(f"scanner-device:{device.pk}", per_minute, DEVICE_WINDOW_SECONDS)])
    except ThrottleExceeded as refused:
        raise DeviceRateLimited(retry_after=refused.retry_after, limit=per_minute) from None


# --- recording refusals and raising alerts -------------------------------------------------------------------------


def refusal_record(
    *, device: ScannerDevice, card: Card, program: Program, refusal: Refusal, scan_id: str | None = None
) -> AbuseAlert | None:
    """Record a refused self-service operation (once per scan id) and raise the repeated-refusals alert when this
    refusal reaches the program's threshold. Precondition: the caller holds the card's lock."""
    row = ScanRefusal(
        merchant_id=card.merchant_id,
        device=device,
        card=card,
        location=device.location,
        code=refusal.code,
        scan_id=scan_id,
        at=refusal.now,
        retry_at=refusal.retry_at,
    )
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return None  # a retry of a scan already refused: it was counted then
    threshold = program.alert_refusals_per_day
    if not threshold:
        return None
    tz = card.merchant.tz
    day = local_day(refusal.now, tz)
    start, end = day_bounds(day, tz)
    codes = dict(
        ScanRefusal.objects.filter(card=card, at__gte=start, at__lt=end)
        .values_list("code")
        .annotate(n=Count("pk"))
        .values_list("code", "n")
    )
    refusals = sum(codes.values())
    if refusals < threshold:
        return None
    return _alert_raise(
        card=card,
        kind=AlertKind.REPEATED_REFUSALS,
        day=day,
        device=device,
        location=device.location,
        now=refusal.now,
        details={"refusals": refusals, "threshold": threshold, "codes": codes},
    )


def unusual_activity_check(
    *,
    card: Card,
    program: Program,
    day: date,
    device: ScannerDevice | None = None,
    location: Location | None = None,
    now: datetime | None = None,
) -> AbuseAlert | None:
    """Raise the unusual-activity alert when ``card`` had more than the program's ``alert_stamps_per_day`` stamping
    operations (from any channel) on ``day``, the merchant's calendar day."""
    threshold = program.alert_stamps_per_day
    if not threshold:
        return None
    start, end = day_bounds(day, card.merchant.tz)
    channels = Counter(
        CardEvent.objects.filter(
            card=card, kind=EventKind.STAMP, created_at__gte=start, created_at__lt=end
        ).values_list("channel", flat=True)
    )
    stamps = sum(channels.values())
    if stamps <= threshold:
        return None
    return _alert_raise(
        card=card,
        kind=AlertKind.UNUSUAL_ACTIVITY,
        day=day,
        device=device,
        location=location,
        now=now or clock.now(),
        details={"stamp_operations": stamps, "threshold": threshold, "channels": dict(channels)},
    )


def _alert_raise(
    *,
    card: Card,
    kind: AlertKind,
    day: date,
    device: ScannerDevice | None,
    location: Location | None,
    now: datetime,
    details: dict[str, Any],
) -> AbuseAlert | None:
    """One alert per card, kind and day: the unique index decides, so racing raisers create it once."""
    if AbuseAlert.objects.filter(card=card, kind=kind, day=day).exists():
        return None
    try:
        with transaction.atomic():
            return AbuseAlert.objects.create(
                merchant_id=card.merchant_id,
                kind=kind,
                card=card,
                day=day,
                device=device,
                location=location,
                details=details,
                raised_at=now,
            )
    except IntegrityError:
        return None


# --- the periodic scan of the ledger -------------------------------------------------------------------------------


@dataclass
class LedgerScan:
    events: int = 0
    cards: int = 0
    alerts: list[AbuseAlert] = field(default_factory=list)


def ledger_scan_unusual_activity(*, batch: int = 5000, now: datetime | None = None) -> LedgerScan:
    """Check the cards stamped since the last run (any channel) for unusual activity.

    Reads the ledger forward from a cursor (``LedgerCursor``) by primary key, so each run touches only new rows;
    rows younger than a minute are left for the next run, since a transaction that took a lower id may still be
    committing. The first run starts from the past day. Idempotent: alerts are unique per card, kind and day.
    """
    now = now or clock.now()
    result = LedgerScan()
    with transaction.atomic():
        cursor, created = locks.ledger_cursor_lock(name=LEDGER_CURSOR)
        if created:
            first = (
                CardEvent.objects.filter(created_at__gte=now - timedelta(days=1))
                .order_by("pk")
                .values_list("pk", flat=True)
                .first()
            )
            cursor.last_event_id = (first - 1) if first is not None else _last_event_id()
        rows = list(
            CardEvent.objects.filter(pk__gt=cursor.last_event_id)
            .order_by("pk")
            .values_list("pk", "card_id", "kind", "created_at")[:batch]
        )
        settled = next((i for i, row in enumerate(rows) if row[3] >= now - LEDGER_SETTLE), len(rows))
        rows = rows[:settled]
        if not rows:
            cursor.updated_at = now
            cursor.save()
            return result
        stamped = {(card_id, at) for _pk, card_id, kind, at in rows if kind == EventKind.STAMP}
        cards = Card.objects.select_related("program", "merchant").in_bulk({card_id for card_id, _at in stamped})
        pairs = {(card_id, local_day(at, cards[card_id].merchant.tz)) for card_id, at in stamped}
        for card_id, day in sorted(pairs):
            card = cards[card_id]
            alert = unusual_activity_check(card=card, program=card.program, day=day, now=now)
            if alert is not None:
                result.alerts.append(alert)
        result.events, result.cards = len(rows), len(cards)
        cursor.last_event_id, cursor.updated_at = rows[-1][0], now
        cursor.save()
    return result


def _last_event_id() -> int:
    last = CardEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0
