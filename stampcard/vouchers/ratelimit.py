"""Limits on failed voucher-code lookups, so codes cannot be guessed by trying many.

Counted per API key and per card (when the request names one), in fixed windows, in the database: every web process
and server shares the count whatever cache backend is configured. An attempt first reserves a slot with one
conditional UPDATE (exact under concurrency: a burst of parallel guesses cannot overshoot the limit); a lookup that
finds its voucher gives the slot back, so a busy till redeeming real vouchers never runs into the limit.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from stampcard.cards.selectors import card_queryset_for_ref
from stampcard.core import clock
from stampcard.merchants.actors import Actor
from stampcard.vouchers.errors import VoucherLookupsLimited
from stampcard.vouchers.models import LookupThrottle


def _setting(name: str) -> int:
    return int(settings.STAMPCARD[name])


@dataclass(frozen=True)
class Scope:
    kind: str  # "api_key" or "card": reported to the client
    key: str
    limit: int


@dataclass
class Reservation:
    window_start: datetime
    scopes: list[Scope] = field(default_factory=list)


def _window(now: datetime) -> tuple[datetime, datetime]:
    seconds = _setting("VOUCHER_LOOKUP_WINDOW_SECONDS")
    epoch = int(now.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)
    return start, start + timedelta(seconds=seconds)


def scopes_for(*, actor: Actor, card_ref: str | None = None) -> list[Scope]:
    scopes = []
    if actor.api_key is not None:
        scopes.append(Scope("api_key", f"key:{actor.api_key.pk}", _setting("VOUCHER_LOOKUP_FAILURES_PER_KEY")))
    ref = (card_ref or "").strip()
    if ref:
        # A card has two references (number and QR payload): count by the card itself when the reference is known.
        pks = list(card_queryset_for_ref(actor.merchant, ref).values_list("pk", flat=True)[:1])
        key = f"card:{pks[0]}" if pks else f"cardref:{actor.merchant.pk}:{ref.upper()[:64]}"
        scopes.append(Scope("card", key, _setting("VOUCHER_LOOKUP_FAILURES_PER_CARD")))
    return scopes


def lookup_reserve(*, scopes: list[Scope]) -> Reservation:
    """Take one attempt from every scope, or none: raises VoucherLookupsLimited (with ``retry_after``) when a scope
    has used up its window. Commits at once (its own transaction), so a failing lookup cannot roll it back."""
    now = clock.now()
    start, end = _window(now)
    reservation = Reservation(window_start=start)
    with transaction.atomic():
        for scope in scopes:
            row = LookupThrottle.objects.filter(scope=scope.key, window_start=start, attempts__lt=scope.limit)
            if not row.update(attempts=F("attempts") + 1):
                LookupThrottle.objects.bulk_create(
                    [LookupThrottle(scope=scope.key, window_start=start)], ignore_conflicts=True
                )
                if not row.update(attempts=F("attempts") + 1):
                    # Raising rolls back the scopes reserved before this one.
                    retry_after = max(1, int((end - now).total_seconds() + 0.999))
                    raise VoucherLookupsLimited(retry_after=retry_after, scope=scope.kind, limit=scope.limit)
            reservation.scopes.append(scope)
    return reservation


def lookup_release(*, reservation: Reservation) -> None:
    """Give the slots back: the lookup found a voucher, so it was no guess."""
    with transaction.atomic():
        for scope in reservation.scopes:
            LookupThrottle.objects.filter(
                scope=scope.key, window_start=reservation.window_start, attempts__gt=0
            ).update(attempts=F("attempts") - 1)


def throttles_prune(*, older_than: timedelta = timedelta(days=1)) -> int:
    deleted, _by_model = LookupThrottle.objects.filter(window_start__lt=clock.now() - older_than).delete()
    return deleted
