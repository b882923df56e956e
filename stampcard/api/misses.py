"""Limits on misses: lookups of card numbers, receipt codes and voucher codes that find nothing.

A six-digit card number is a staff-side lookup key, not a secret, yet a key that may look up ~17,000 numbers a minute
walks them all in an hour. So every lookup takes a slot, per API key, per scanner device and per network address
(and per card for voucher codes), from a fixed window counted in Redis or the database (``stampcard.core.throttle``:
every web process shares the count and a burst of parallel guesses cannot overshoot). A lookup that finds what it looked
for gives its slots back, so a busy till never runs into the limit; only misses stay counted.

Past a limit the answer is 429 with the family's stable code, ``details`` {retry_after, scope, limit} and a
``Retry-After`` header, and a ``LimitAlert`` row tells the merchant (one row per key, device or address and clock
hour; the first of the hour is emailed to the merchant's owners).
"""

import contextlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from stampcard.api.models import LimitAlert
from stampcard.core import clock
from stampcard.core.errors import ApplicationError, LimitReached
from stampcard.core.throttle import Limit, Taken, ThrottleExceeded, throttle_give_back, throttle_take
from stampcard.merchants.models import ApiKey, Membership, Merchant, Role

logger = logging.getLogger(__name__)

MISS_STATUSES = (404, 422)  # what a wrong number or code answers; anything else was no guess


class LookupsLimited(LimitReached):
    code = "lookup_rate_limited"
    default_message = _("Too many card numbers or codes that do not exist were tried. Wait a little and try again.")


@dataclass(frozen=True)
class Family:
    """One kind of lookup with its own counters: ``name`` prefixes them and names the alert's kind."""

    name: str
    window_setting: str
    error: type[LimitReached]

    @property
    def window_seconds(self) -> int:
        return int(settings.STAMPCARD[self.window_setting])


LOOKUPS = Family("lookup", "LOOKUP_WINDOW_SECONDS", LookupsLimited)


@dataclass(frozen=True)
class Scope:
    kind: str  # "api_key", "device", "ip" or "card": reported to the client
    key: str
    limit: int


@dataclass(frozen=True)
class Who:
    """Who is looking things up, for the scopes and for the alert. ``ip`` is REMOTE_ADDR (see docs/operations.md)."""

    merchant: Merchant
    api_key: ApiKey | None = None
    device_id: str | None = None
    device_name: str = ""
    ip: str = ""


def ip_digest(ip: str) -> str:
    """Addresses are counted by a keyed digest, never stored in the clear in the counters."""
    return salted_hmac("stampcard.api.misses.ip", ip, algorithm="sha256").hexdigest()[:32]


def scopes_for(*, who: Who, per_key: int, per_device: int, per_ip: int) -> list[Scope]:
    scopes = []
    if who.api_key is not None:
        scopes.append(Scope("api_key", f"key:{who.api_key.pk}", per_key))
    if who.device_id:
        scopes.append(Scope("device", f"device:{who.device_id}", per_device))
    if who.ip:
        scopes.append(Scope("ip", f"ip:{ip_digest(who.ip)}", per_ip))
    return scopes


def lookup_scopes(*, who: Who) -> list[Scope]:
    """The scopes of the ``LOOKUPS`` family (cards and receipt codes), with the limits of the settings."""
    limits = settings.STAMPCARD
    return scopes_for(
        who=who,
        per_key=limits["LOOKUP_MISSES_PER_KEY"],
        per_device=limits["LOOKUP_MISSES_PER_DEVICE"],
        per_ip=limits["LOOKUP_MISSES_PER_IP"],
    )


def miss_reserve(*, family: Family, scopes: list[Scope], who: Who) -> list[Taken]:
    """Take one attempt from every scope, or none. Past a limit: records the alert and raises ``family.error`` with
    ``retry_after``, ``scope`` and ``limit``. Commits at once (its own transaction), so a failing lookup cannot roll
    the attempt back; call it outside any atomic block."""
    by_key = {f"{family.name}:{scope.key}": scope for scope in scopes}
    try:
        return throttle_take(limits=[Limit(key, s.limit, family.window_seconds) for key, s in by_key.items()])
    except ThrottleExceeded as refused:
        scope = by_key[refused.limit.key]
        limit_alert_record(family=family, scope=scope, who=who)
        raise family.error(retry_after=refused.retry_after, scope=scope.kind, limit=scope.limit) from None


def miss_release(*, reservation: list[Taken]) -> None:
    """Give the slots back: the lookup found what it looked for, so it was no guess."""
    throttle_give_back(taken=reservation)


class Attempt:
    """One guarded lookup; ``miss()`` marks an answer that found nothing without raising (an empty search)."""

    def __init__(self) -> None:
        self.missed = False

    def miss(self) -> None:
        self.missed = True


@contextlib.contextmanager
def miss_guard(
    *, family: Family, scopes: list[Scope], who: Who, miss_statuses: tuple[int, ...] = MISS_STATUSES
) -> Iterator[Attempt]:
    """Guard a lookup: reserve before it, give the attempt back unless it missed (an ApplicationError with one of
    ``miss_statuses``, or ``attempt.miss()``). Anything else (a conflict, a bug) gives the attempt back too."""
    reservation = miss_reserve(family=family, scopes=scopes, who=who)
    attempt = Attempt()
    try:
        yield attempt
    except ApplicationError as error:
        if error.status not in miss_statuses:
            miss_release(reservation=reservation)
        raise
    except BaseException:
        miss_release(reservation=reservation)
        raise
    if not attempt.missed:
        miss_release(reservation=reservation)


# --- the alert -----------------------------------------------------------------------------------------------------


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def limit_alert_record(*, family: Family, scope: Scope, who: Who) -> None:
    """One alert per subject (key, device, address) and hour; the first one of the hour is emailed to the owners.

    The unique index settles two processes refused at the same instant: one inserts (and emails), the other counts.
    A refusal on the card scope names no one to warn (the key's own scope will, if it keeps guessing)."""
    if scope.kind not in LimitAlert.Subject.values:
        return
    now = clock.now()
    hour = _hour(now)
    existing = LimitAlert.objects.filter(merchant=who.merchant, kind=family.name, subject_key=scope.key, hour=hour)
    # A refusal after the merchant dismissed the alert opens it again: the guessing goes on.
    counted = {"refusals": F("refusals") + 1, "last_refused_at": now, "dismissed_at": None, "dismissed_by": None}
    if existing.update(**counted):
        return
    try:
        with transaction.atomic():
            alert = LimitAlert.objects.create(
                merchant=who.merchant,
                kind=family.name,
                subject=scope.kind,
                subject_key=scope.key,
                api_key=who.api_key if scope.kind == LimitAlert.Subject.API_KEY else None,
                device_id=who.device_id if scope.kind == LimitAlert.Subject.DEVICE else None,
                device_name=who.device_name if scope.kind == LimitAlert.Subject.DEVICE else "",
                ip=who.ip or None,
                limit=scope.limit,
                window_seconds=family.window_seconds,
                hour=hour,
                raised_at=now,
                last_refused_at=now,
            )
            transaction.on_commit(lambda: limit_alert_email(alert_id=alert.pk))
    except IntegrityError:
        existing.update(**counted)


def limit_alert_email(*, alert_id: uuid.UUID) -> None:
    """Email the merchant's owners about one alert (after its commit: no mail for a rolled-back row). A mail failure
    is logged: the row stays for the panel either way."""
    alert = LimitAlert.objects.select_related("merchant", "api_key").get(pk=alert_id)
    owners = list(
        Membership.objects.filter(merchant=alert.merchant, role=Role.OWNER, is_active=True, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not owners:
        return
    with translation.override(alert.merchant.locale or settings.LANGUAGE_CODE):
        context = {
            "alert": alert,
            "merchant": alert.merchant,
            "who": _subject_label(alert),
            "minutes": max(1, alert.window_seconds // 60),
        }
        subject = " ".join(render_to_string("api/email/limit_alert_subject.txt", context).split())
        body = render_to_string("api/email/limit_alert_body.txt", context)
    try:
        send_mail(subject, body, None, owners)
    except Exception:
        logger.exception("could not email the limit alert %s", alert_id)
        return
    LimitAlert.objects.filter(pk=alert.pk).update(emailed_at=clock.now())


def _subject_label(alert: LimitAlert) -> str:
    if alert.subject == LimitAlert.Subject.API_KEY and alert.api_key is not None:
        key = alert.api_key
        return str(_("the API key “%(name)s” (%(prefix)s…)") % {"name": key.name, "prefix": key.prefix})
    if alert.subject == LimitAlert.Subject.DEVICE:
        return str(_("the scanner device “%(name)s”") % {"name": alert.device_name})
    return str(_("the network address %(ip)s") % {"ip": alert.ip or "?"})
