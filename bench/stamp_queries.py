"""The cashier's path in ``bench.panel_queries``: identify a card and stamp a check, at 1M cards beside the demo.

    .venv/bin/python -m bench.panel_queries --only stamp:            # identify, preview and commit only
    .venv/bin/python -m bench.panel_queries --only stamp:,analytics  # with the analytics summaries (docs/scaling.md)

Identify and preview are the selectors the API v1 lookup and preview call; the commit is ``checkout_commit`` itself,
in its own transaction (so COMMIT is part of the time), on a scratch card of the merchant's busiest location: a
customer "Bench Scratch" enrolled once through ``card_enrol`` and reused by every run, so a run adds one check and
one or two ledger lines per timed commit to the database and never touches a real customer's card. Importing this
``bench.panel_queries`` hands its ``register`` to ``register_all`` before measuring.
"""

import itertools
import uuid
from collections.abc import Callable
from typing import Any

Ctx = Any  # bench.panel_queries.Ctx (not imported: that module runs as __main__ and calls in here)

SCRATCH_EMAIL = "bench-scratch@example.invalid"
_serial = itertools.count()
_cache: dict[str, Any] = {}


def _cashier(ctx: Ctx) -> Any:
    """An Actor for a cashier's POS key at the busiest location (what a register authenticates as)."""
    if "actor" not in _cache:
        from stampcard.merchants.actors import Actor, Channel
        from stampcard.merchants.models import ApiKey, Role

        key = (
            ApiKey.objects.filter(merchant=ctx.merchant, revoked_at__isnull=True, membership__role=Role.CASHIER)
            .filter(location=ctx.location)
            .select_related("membership__user", "location")
            .order_by("created_at")
            .first()
        )
        if key is None:  # the demo's keys may not name a location: any cashier key of the merchant will do
            key = (
                ApiKey.objects.filter(merchant=ctx.merchant, revoked_at__isnull=True)
                .select_related("membership__user", "location")
                .order_by("created_at")
                .first()
            )
        if key is None:
            raise RuntimeError(f"{ctx.merchant.name}: no API key to act as")
        _cache["actor"] = Actor(
            merchant=ctx.merchant,
            channel=Channel.API,
            user=key.membership.user,
            membership=key.membership,
            api_key=key,
            location=key.location,
        )
    return _cache["actor"]


def _regular(ctx: Ctx) -> Any:
    """The card of the regular the customer page shows (many lines): identify returns a card with history."""
    if "regular" not in _cache:
        from stampcard.cards.models import Card

        _cache["regular"] = Card.objects.filter(merchant=ctx.merchant, customer_id=ctx.customer_id).order_by("pk")[0]
    return _cache["regular"]


def _scratch(ctx: Ctx) -> Any:
    if "scratch" not in _cache:
        from stampcard.cards import services as cards_services
        from stampcard.cards.models import Card

        card = Card.objects.filter(merchant=ctx.merchant, customer__email=SCRATCH_EMAIL).first()
        if card is None:
            card = cards_services.card_enrol(actor=_cashier(ctx), name="Bench Scratch", email=SCRATCH_EMAIL)
        _cache["scratch"] = card
    return _cache["scratch"]


def _check(ctx: Ctx) -> Any:
    from stampcard.cards.checks import CheckInput

    external_id = f"bench-{uuid.uuid4().hex[:12]}-{next(_serial)}"
    return CheckInput(external_id=external_id, total=12550, currency=ctx.merchant.currency)


def _identify(ctx: Ctx, *, by: str) -> Any:
    from stampcard.cards import selectors

    card = _regular(ctx)
    found = selectors.card_identify(merchant=ctx.merchant, query=card.number if by == "number" else card.qr_payload)
    if [c.pk for c in found] != [card.pk]:
        raise RuntimeError(f"identify by {by} found {[c.pk for c in found]}, not card {card.pk}")
    return found


def _preview(ctx: Ctx) -> Any:
    from stampcard.checkouts import services as checkouts_services

    return checkouts_services.checkout_preview(actor=_cashier(ctx), card_ref=_regular(ctx).number, check=_check(ctx))


def _commit(ctx: Ctx) -> Any:
    from stampcard.checkouts import services as checkouts_services

    result = checkouts_services.checkout_commit(actor=_cashier(ctx), card_ref=_scratch(ctx).number, check=_check(ctx))
    if result.replayed or result.stamps_issued < 1:
        raise RuntimeError(f"the scratch commit stamped nothing: {result}")
    return result


def prepare(ctx: Ctx) -> None:
    """Pick the cashier, the regular's card and the scratch card before timing: not part of any query's count."""
    _cache.clear()  # a new measure may run on another database
    _cashier(ctx)
    _regular(ctx)
    _scratch(ctx)


def register_all(register: Callable[[str, Callable[[Ctx], Any]], Any]) -> None:
    register("stamp: identify by card number", lambda ctx: _identify(ctx, by="number"))
    register("stamp: identify by QR payload", lambda ctx: _identify(ctx, by="qr"))
    register("stamp: preview (regular's card)", _preview)
    register("stamp: commit (scratch card, own transaction)", _commit)
