"""Limits on failed voucher-code lookups, so codes cannot be guessed by trying many.

Counted per API key and per card (when the request names one) with the project's database throttle
(``stampcard.core.throttle``): every web process shares the count and a burst of parallel guesses cannot overshoot.
An attempt takes a slot before the lookup; a lookup that finds its voucher gives it back, so a busy till redeeming
real vouchers never runs into the limit.
"""

from dataclasses import dataclass

from django.conf import settings

from stampcard.cards.selectors import card_queryset_for_ref
from stampcard.core.throttle import Limit, Taken, ThrottleExceeded, throttle_give_back, throttle_take
from stampcard.merchants.actors import Actor
from stampcard.vouchers.errors import VoucherLookupsLimited


@dataclass(frozen=True)
class Scope:
    kind: str  # "api_key" or "card": reported to the client
    key: str
    limit: int


def scopes_for(*, actor: Actor, card_ref: str | None = None) -> list[Scope]:
    scopes = []
    if actor.api_key is not None:
        scopes.append(
            Scope("api_key", f"key:{actor.api_key.pk}", settings.STAMPCARD["VOUCHER_LOOKUP_FAILURES_PER_KEY"])
        )
    ref = (card_ref or "").strip()
    if ref:
        # A card has two references (number and QR payload): count by the card itself when the reference is known.
        pks = list(card_queryset_for_ref(actor.merchant, ref).values_list("pk", flat=True)[:1])
        key = f"card:{pks[0]}" if pks else f"cardref:{actor.merchant.pk}:{ref.upper()[:64]}"
        scopes.append(Scope("card", key, settings.STAMPCARD["VOUCHER_LOOKUP_FAILURES_PER_CARD"]))
    return scopes


def lookup_reserve(*, scopes: list[Scope]) -> list[Taken]:
    """Take one attempt from every scope, or none: raises VoucherLookupsLimited (with ``retry_after``) when a scope
    has used up its window. Commits at once (its own transaction), so a failing lookup cannot roll it back."""
    window = settings.STAMPCARD["VOUCHER_LOOKUP_WINDOW_SECONDS"]
    kinds = {f"voucher-lookup:{scope.key}": scope.kind for scope in scopes}
    try:
        return throttle_take(limits=[Limit(f"voucher-lookup:{s.key}", s.limit, window) for s in scopes])
    except ThrottleExceeded as refused:
        raise VoucherLookupsLimited(
            retry_after=refused.retry_after, scope=kinds[refused.limit.key], limit=refused.limit.limit
        ) from None


def lookup_release(*, reservation: list[Taken]) -> None:
    """Give the slots back: the lookup found a voucher, so it was no guess."""
    throttle_give_back(taken=reservation)


def scopes_for_staff(*, actor: Actor) -> list[Scope]:
    """The lookup limit of a signed-in staff member typing codes in the panel: counted per staff login (the
    counterpart of the API key's scope; the panel has no key)."""
    if actor.user is None:
        return []
    return [Scope("staff", f"staff:{actor.user.pk}", settings.STAMPCARD["VOUCHER_LOOKUP_FAILURES_PER_KEY"])]
