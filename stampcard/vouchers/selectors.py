"""Reads for vouchers. Every voucher is fetched through a door that takes the merchant (or the public token)."""

import uuid
from collections.abc import Iterable

from django.db.models import Count, F, Q, QuerySet

from stampcard.cards.models import Card
from stampcard.core import clock, secretbox
from stampcard.merchants.models import Merchant
from stampcard.vouchers.codes import parse_code
from stampcard.vouchers.errors import VoucherBatchNotFound, VoucherNotFound
from stampcard.vouchers.models import Voucher, VoucherBatch
from stampcard.vouchers.states import OPEN_STATES


def voucher_id_for_code(*, merchant: Merchant, code: str) -> uuid.UUID:
    """The id of this merchant's voucher with ``code`` (as typed). Raises ValidationFailed for a typo (before any
    query) and VoucherNotFound for an unknown code or another merchant's."""
    parsed = parse_code(code)
    found = list(Voucher.objects.filter(merchant=merchant, code=parsed.value).values_list("pk", flat=True)[:1])
    if not found:
        raise VoucherNotFound()
    return found[0]


def voucher_get(*, merchant: Merchant, code: str) -> Voucher:
    parsed = parse_code(code)
    voucher = Voucher.objects.filter(merchant=merchant, code=parsed.value).select_related("card").first()
    if voucher is None:
        raise VoucherNotFound()
    return voucher


def voucher_get_by_token(*, token: str) -> Voucher:
    """The voucher behind a public link. The token is the credential, so no merchant is needed."""
    token = (token or "").strip()
    voucher = (
        Voucher.objects.filter(public_token_digest=secretbox.digest(token)).select_related("merchant", "card").first()
        if 16 <= len(token) <= 64
        else None
    )
    if voucher is None:
        raise VoucherNotFound()
    return voucher


def batch_get(*, merchant: Merchant, batch_id: str | uuid.UUID) -> VoucherBatch:
    try:
        return VoucherBatch.objects.get(merchant=merchant, pk=uuid.UUID(str(batch_id)))
    except (ValueError, VoucherBatch.DoesNotExist):
        raise VoucherBatchNotFound() from None


def vouchers_of_batch(*, batch: VoucherBatch) -> list[Voucher]:
    return list(Voucher.objects.filter(batch=batch).order_by("created_at", "code"))


def vouchers_active_by_card(*, cards: Iterable[Card]) -> dict[int, list[Voucher]]:
    """Usable vouchers of several cards in one query, keyed by card id: active ones and those not valid yet (so the
    customer sees what is coming), soonest expiry first. Expired ones are left out even before the job marks them."""
    cards_by_id = {card.pk: card for card in cards}
    by_card: dict[int, list[Voucher]] = {pk: [] for pk in cards_by_id}
    if not by_card:
        return by_card
    for voucher in vouchers_usable_queryset(card_ids=list(cards_by_id)):
        voucher.card = cards_by_id[voucher.card_id]  # type: ignore[index]  # the card is already loaded
        by_card[voucher.card_id].append(voucher)  # type: ignore[index]
    return by_card


def vouchers_usable_queryset(*, card_ids: list[int]) -> QuerySet[Voucher]:
    """The usable vouchers of these cards, soonest expiry first (``vouchers_active_by_card`` groups them)."""
    return (
        Voucher.objects.filter(card_id__in=card_ids, state__in=OPEN_STATES)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=clock.now()))
        .order_by(F("expires_at").asc(nulls_last=True), "created_at")
    )


def voucher_get_by_id(*, merchant: Merchant, voucher_id: str | uuid.UUID) -> Voucher:
    """A voucher of this merchant by its id (the panel's URLs name vouchers so); VoucherNotFound otherwise."""
    try:
        pk = uuid.UUID(str(voucher_id))
    except ValueError:
        raise VoucherNotFound() from None
    voucher = Voucher.objects.filter(merchant=merchant, pk=pk).select_related("card__customer", "batch").first()
    if voucher is None:
        raise VoucherNotFound()
    return voucher


def vouchers_recent(*, merchant: Merchant, limit: int = 20) -> list[Voucher]:
    """The merchant's latest vouchers, newest first, with their cards' customers and batches."""
    qs = Voucher.objects.filter(merchant=merchant).select_related("card__customer", "batch")
    return list(qs.order_by("-created_at", "-pk")[:limit])


def batches_recent(*, merchant: Merchant, limit: int = 20) -> list[VoucherBatch]:
    """The merchant's latest batches, newest first, each with ``redeemed`` (how many of its vouchers were)."""
    qs = VoucherBatch.objects.filter(merchant=merchant).annotate(
        redeemed=Count("vouchers", filter=Q(vouchers__state="redeemed"))
    )
    return list(qs.order_by("-created_at", "-pk")[:limit])


def vouchers_by_ids(*, merchant: Merchant, ids: Iterable[str | uuid.UUID]) -> list[Voucher]:
    """This merchant's vouchers by primary key, oldest first (e.g. those a card's ledger lines name)."""
    return list(Voucher.objects.filter(merchant=merchant, pk__in=list(ids)).order_by("created_at"))
