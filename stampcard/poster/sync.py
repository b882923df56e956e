"""A Poster transaction webhook -> a stampcard check: commit, amend to the paid sum, or reverse.

Poster's ``transaction`` webhook only names the order (``object_id`` = ``transaction_id``) and fires on every change
of it (item added, comment, close…); real deployments also see an undocumented ``closed`` action. So on ``added``,
``changed`` or ``closed`` we re-fetch ``dash.getTransaction`` and act on its ``status`` (reference/poster.md §2):

- ``2`` closed: unless nothing was paid in money (``payed_sum`` 0: closed without payment, or all by bonus), the
  card named on the order gets the check, ``pos="poster"``, ``external_id`` = the transaction id,
  total = ``payed_sum`` (cash + card: the money really taken; bonus, certificate and third-party parts are not)
  converted to minor units. If the POS app already committed the check (same pos and external id), its total is
  corrected to that paid sum through ``checkouts.services.checkout_amend``: Poster's figure is the truth for
  per-amount stamping. A closed check whose ``print_fiscal`` is ``2`` (fiscal return) is reversed as a refund.
- ``3`` removed, or the ``removed`` action: the committed check is reversed (void).
- ``1`` open: nothing yet.

Where the card comes from (the POS app writes it; until it exists, a cashier can type it):

1. ``extras["stampcard_card"]`` of the transaction — the key the POS app sets with
   ``Poster.orders.setExtras(orderId, "stampcard_card", "<number or QR>")``. Unconfirmed: Poster documents order
   extras on the POS ``Order`` object only; no documented Web API answer (``dash.getTransaction``) includes them.
   We read an ``extras`` object (or JSON string) if the answer carries one.
2. ``transaction_comment`` (documented in ``dash.getTransaction``) containing ``stampcard:<six-digit number>`` or
   ``stampcard:SC1:…`` (the card's QR payload), case-insensitive. The POS app appends this marker with
   ``Poster.orders.setOrderComment`` for an order it could not commit online, so the webhook can complete it.

The Poster client's own ``card_number``/``client_id`` are not used: they are the merchant's Poster loyalty cards,
a numbering of its own that may collide with ours.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction as db_transaction

from stampcard.cards import selectors as cards_selectors
from stampcard.cards.checks import CheckInput
from stampcard.cards.models import ReversalKind
from stampcard.checkouts import services as checkouts_services
from stampcard.core.errors import ApplicationError, NotFound
from stampcard.merchants.actors import Actor
from stampcard.poster import client as poster_client
from stampcard.poster import services
from stampcard.poster.models import DeliveryOutcome, PosterAccount
from stampcard.receipts import services as receipts_services

EXTRAS_CARD_KEY = "stampcard_card"
COMMENT_CARD_RE = re.compile(r"stampcard\s*[:#]\s*(SC1:[0-9A-Z]{26}|\d{6})(?![0-9A-Z])", re.IGNORECASE)
FETCH_ACTIONS = frozenset({"added", "changed", "closed"})
FISCAL_RETURN = 2


@dataclass
class SyncResult:
    outcome: DeliveryOutcome
    detail: dict[str, Any] = field(default_factory=dict)


def card_ref_from_transaction(transaction: poster_client.Transaction) -> str | None:
    """The stampcard card named on a Poster order (see the module doc for the fields and their order)."""
    value = transaction.extras.get(EXTRAS_CARD_KEY)
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = json.loads(value).get("card")
        except (ValueError, AttributeError):
            value = None
    if isinstance(value, str | int) and str(value).strip():
        return str(value).strip().upper()
    found = COMMENT_CARD_RE.search(transaction.comment or "")
    return found.group(1).upper() if found else None


def transaction_sync(
    *, poster_account: PosterAccount, transaction_id: str, action: str, client: poster_client.PosterClient
) -> SyncResult:
    """Bring stampcard in line with one Poster transaction. Network first, then each write in its own service
    transaction; safe to repeat (commits are idempotent on the check, reversals and amendments replay)."""
    if action == "removed":
        return _reverse(poster_account=poster_account, transaction_id=transaction_id, kind=ReversalKind.VOID)
    if action not in FETCH_ACTIONS:
        return SyncResult(DeliveryOutcome.IGNORED, {"action": action})
    transaction = client.transaction_get(transaction_id=transaction_id)
    if transaction.status == poster_client.Transaction.STATUS_REMOVED:
        return _reverse(poster_account=poster_account, transaction_id=transaction_id, kind=ReversalKind.VOID)
    if transaction.status != poster_client.Transaction.STATUS_CLOSED:
        return SyncResult(DeliveryOutcome.OPEN, {"status": transaction.status})
    if transaction.print_fiscal == FISCAL_RETURN:
        return _reverse(poster_account=poster_account, transaction_id=transaction_id, kind=ReversalKind.REFUND)
    return _commit(poster_account=poster_account, transaction=transaction)


def _currency(poster_account: PosterAccount) -> str:
    assert poster_account.merchant is not None
    return poster_account.currency or poster_account.merchant.currency


def _commit(*, poster_account: PosterAccount, transaction: poster_client.Transaction) -> SyncResult:
    actor = services.poster_actor(poster_account=poster_account)
    currency = _currency(poster_account)
    total = transaction.paid_minor(currency=currency)
    detail: dict[str, Any] = {"transaction_id": transaction.transaction_id, "paid": total, "currency": currency}
    try:
        cards_selectors.check_get(merchant=actor.merchant, pos=services.POS, external_id=transaction.transaction_id)
    except NotFound:
        pass
    else:
        # Committed already (by the POS app, or an earlier delivery): only the total may need correcting.
        return _amend(actor=actor, transaction_id=transaction.transaction_id, total=total, detail=detail)
    if total == 0:
        # Closed without payment (guest left, waiter's error, on the house) or paid wholly by bonus/certificate:
        # nothing was bought with money, so nothing is stamped.
        return SyncResult(DeliveryOutcome.IGNORED, {**detail, "reason": "not_paid"})
    card_ref = card_ref_from_transaction(transaction)
    if card_ref is None:
        return SyncResult(DeliveryOutcome.NO_CARD, detail)
    spot = services.spot_for_transaction(poster_account=poster_account, spot_id=transaction.spot_id)
    location_id = str(spot.location_id) if spot is not None and spot.location_id else None
    detail.update({"spot_id": transaction.spot_id, "location_id": location_id})
    check = CheckInput(
        external_id=transaction.transaction_id,
        total=total,
        currency=currency,
        pos=services.POS,
        closed_at=transaction.date_close,
    )
    try:
        result = checkouts_services.checkout_commit(
            actor=actor, card_ref=card_ref, check=check, location_id=location_id
        )
    except NotFound as exc:
        outcome = DeliveryOutcome.CARD_NOT_FOUND if exc.code == "card_not_found" else DeliveryOutcome.REFUSED
        return SyncResult(outcome, {**detail, "code": exc.code})
    except ApplicationError as exc:
        return SyncResult(DeliveryOutcome.REFUSED, {**detail, "code": exc.code, "details": _plain(exc.details)})
    detail.update({"card": result.card.number, "stamps_issued": result.stamps_issued})
    if result.replayed:
        # The POS app's commit landed between our look and our commit: its total may differ from Poster's.
        return _amend(actor=actor, transaction_id=transaction.transaction_id, total=total, detail=detail)
    return SyncResult(DeliveryOutcome.STAMPED, detail)


def _amend(*, actor: Actor, transaction_id: str, total: int, detail: dict[str, Any]) -> SyncResult:
    try:
        amended = checkouts_services.checkout_amend(
            actor=actor, external_id=transaction_id, total=total, pos=services.POS
        )
    except ApplicationError as exc:
        return SyncResult(DeliveryOutcome.REFUSED, {**detail, "code": exc.code})
    detail.update({"card": amended.card.number, "committed_total": amended.total_before})
    if not amended.changed:
        return SyncResult(DeliveryOutcome.REPLAYED, detail)
    detail.update(
        {
            "stamps_delta": amended.stamps_delta,
            "stamps_not_reversed": amended.stamps_not_reversed,
            "difference": total - amended.total_before,
        }
    )
    return SyncResult(DeliveryOutcome.AMENDED, detail)


def _reverse(*, poster_account: PosterAccount, transaction_id: str, kind: ReversalKind) -> SyncResult:
    actor = services.poster_actor(poster_account=poster_account)
    detail: dict[str, Any] = {"transaction_id": transaction_id, "kind": str(kind)}
    with db_transaction.atomic():
        # An order whose receipt QR nobody collected yet stamped nothing: its claim must stop giving anything.
        voided = receipts_services.receipt_void_unclaimed(actor=actor, external_id=transaction_id, pos=services.POS)
    if voided is not None:
        return SyncResult(
            DeliveryOutcome.REVERSED,
            {**detail, "receipt_claim_voided": True, "stamps_reversed": 0, "replayed": voided.replayed},
        )
    try:
        result = checkouts_services.checkout_reverse(
            actor=actor, external_id=transaction_id, pos=services.POS, kind=kind
        )
    except NotFound:
        return SyncResult(DeliveryOutcome.NOTHING_TO_REVERSE, detail)
    except ApplicationError as exc:
        return SyncResult(DeliveryOutcome.REFUSED, {**detail, "code": exc.code})
    detail.update(
        {
            "card": result.card.number,
            "stamps_reversed": result.stamps_reversed,
            "stamps_not_reversed": result.stamps_not_reversed,
            "replayed": result.replayed,
        }
    )
    return SyncResult(DeliveryOutcome.REVERSED, detail)


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, str | int | float | bool | None) else str(v) for k, v in details.items()}
