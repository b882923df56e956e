"""Limits on failed voucher-code lookups, so codes cannot be guessed by trying many.

The voucher family of the miss limits (``stampcard.api.misses``): counted per API key, per scanner device, per
address and per card (when the request names one). An attempt takes a slot before the lookup; a lookup that finds its
voucher gives it back, so a busy till redeeming real vouchers never runs into the limit.
"""

from django.conf import settings

from stampcard.api import misses
from stampcard.api.misses import Scope, Who
from stampcard.cards.selectors import card_queryset_for_ref
from stampcard.core.throttle import Taken
from stampcard.merchants.actors import Actor
from stampcard.vouchers.errors import VoucherLookupsLimited

VOUCHER_LOOKUPS = misses.Family("voucher-lookup", "VOUCHER_LOOKUP_WINDOW_SECONDS", VoucherLookupsLimited)

__all__ = ["VOUCHER_LOOKUPS", "Scope", "Who", "lookup_release", "lookup_reserve", "scopes_for", "scopes_for_staff"]


def scopes_for(*, actor: Actor, card_ref: str | None = None, who: Who | None = None) -> list[Scope]:
    """The key's (or ``who``'s key, device and address) scopes, and the card's when the request names one."""
    limits = settings.STAMPCARD
    who = who or Who(merchant=actor.merchant, api_key=actor.api_key)
    scopes = misses.scopes_for(
        who=who,
        per_key=limits["VOUCHER_LOOKUP_FAILURES_PER_KEY"],
        per_device=limits["VOUCHER_LOOKUP_FAILURES_PER_KEY"],
        per_ip=limits["VOUCHER_LOOKUP_FAILURES_PER_IP"],
    )
    ref = (card_ref or "").strip()
    if ref:
        # A card has two references (number and QR payload): count by the card itself when the reference is known.
        pks = list(card_queryset_for_ref(actor.merchant, ref).values_list("pk", flat=True)[:1])
        key = f"card:{pks[0]}" if pks else f"cardref:{actor.merchant.pk}:{ref.upper()[:64]}"
        scopes.append(Scope("card", key, limits["VOUCHER_LOOKUP_FAILURES_PER_CARD"]))
    return scopes


def lookup_reserve(*, scopes: list[Scope], who: Who) -> list[Taken]:
    """Take one attempt from every scope, or none: raises VoucherLookupsLimited (with ``retry_after``) when a scope
    has used up its window, and tells the merchant (``misses.limit_alert_record``). Commits at once."""
    return misses.miss_reserve(family=VOUCHER_LOOKUPS, scopes=scopes, who=who)


def lookup_release(*, reservation: list[Taken]) -> None:
    """Give the slots back: the lookup found a voucher, so it was no guess."""
    misses.miss_release(reservation=reservation)


def scopes_for_staff(*, actor: Actor) -> list[Scope]:
    """The lookup limit of a signed-in staff member typing codes in the panel: counted per staff login (the
    counterpart of the API key's scope; the panel has no key)."""
    if actor.user is None:
        return []
    return [Scope("staff", f"staff:{actor.user.pk}", settings.STAMPCARD["VOUCHER_LOOKUP_FAILURES_PER_KEY"])]
