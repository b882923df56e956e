"""Reads for delivery inserts: batches through the merchant's door, inserts through their token (the token is the
credential of the public page), and the attribution numbers of batches in a fixed number of queries."""

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Max, Q, Sum

from stampcard.cards.models import Card, CardEvent, Check, CheckState, EventKind
from stampcard.core import secretbox
from stampcard.inserts.errors import InsertBatchNotFound, InsertNotFound
from stampcard.inserts.models import Insert, InsertBatch, InsertClaim
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Merchant

TOKEN_LENGTHS = range(12, 33)
INSERT_POS = "insert"  # the ``Check.pos`` of an insert's stamps


def insert_batch_get(*, merchant: Merchant, batch_id: str | uuid.UUID) -> InsertBatch:
    """A batch of this merchant. Raises InsertBatchNotFound for unknown ids and other merchants' batches alike."""
    try:
        return InsertBatch.objects.select_related("program", "merchant", "location").get(
            merchant=merchant, pk=uuid.UUID(str(batch_id))
        )
    except (ValueError, InsertBatch.DoesNotExist):
        raise InsertBatchNotFound() from None


def insert_batches_list(*, merchant: Merchant, limit: int = 50, offset: int = 0) -> list[InsertBatch]:
    """This merchant's batches, newest first."""
    qs = (
        InsertBatch.objects.filter(merchant=merchant)
        .select_related("program", "merchant")
        .order_by("-created_at", "pk")
    )
    return list(qs[offset : offset + limit])


def insert_get_by_token(*, token: str) -> Insert:
    """The insert behind a printed QR, with its batch, program and merchant (and the plan, for metering), found by
    the token's digest (the token itself is not stored)."""
    token = (token or "").strip().lower()
    insert = (
        Insert.objects.filter(token_digest=secretbox.digest(token))
        .select_related("batch__program__merchant__subscription", "batch__location")
        .first()
        if len(token) in TOKEN_LENGTHS
        else None
    )
    if insert is None:
        raise InsertNotFound()
    return insert


def inserts_of_batch(*, batch: InsertBatch) -> Iterator[Insert]:
    """The batch's inserts in serial order, streamed (a batch holds up to 5000), with what ``token`` unseals."""
    return (
        Insert.objects.filter(batch=batch)
        .only("serial", "token_digest", "token_sealed", "batch_id")
        .order_by("serial")
        .iterator(2000)
    )


def insert_claim_of(*, insert: Insert) -> InsertClaim | None:
    return InsertClaim.objects.filter(insert=insert).first()


def insert_claims_of_batch(*, batch: InsertBatch, limit: int = 200) -> list[InsertClaim]:
    """The batch's latest claims, newest first, with the insert, customer, card and what the claim gave."""
    return list(
        InsertClaim.objects.filter(batch=batch)
        .select_related("insert", "customer", "card", "voucher", "reward")
        .order_by("-created_at", "-pk")[:limit]
    )


def insert_claim_in_batch(*, batch: InsertBatch, card: Card) -> InsertClaim | None:
    """The claim this card's customer made in the batch, if any (at most one: a database constraint)."""
    return InsertClaim.objects.filter(batch=batch, customer_id=card.customer_id).first()


@dataclass(frozen=True)
class Attribution:
    """What a batch brought: page opens, claims, new against existing customers, and what its customers did next.

    ``later_visits`` counts stamp events on the claimers' cards after their claim from any channel but inserts (a
    checkout, a kiosk, a receipt QR); ``customers_returned`` the claimers with at least one; ``later_revenue`` sums
    the totals (minor units) of their committed checks after the claim.
    """

    inserts: int
    scans: int
    claims: int
    new_customers: int
    existing_customers: int
    later_visits: int
    customers_returned: int
    later_revenue: int
    currency: str
    last_claim_at: datetime | None

    @property
    def unclaimed(self) -> int:
        return max(self.inserts - self.claims, 0)


def insert_batches_attribution(*, batches: Iterable[InsertBatch]) -> dict[uuid.UUID, Attribution]:
    """Attribution of several batches in three queries, whatever the number of batches, inserts or claims.

    The batches must be of one merchant (their currency is the merchant's); ``scans`` is the counter as the given
    rows hold it, so pass rows read for this purpose.
    """
    by_id = {batch.pk: batch for batch in batches}
    if not by_id:
        return {}
    claims: dict[uuid.UUID, dict[str, Any]] = {
        row["batch_id"]: dict(row)
        for row in InsertClaim.objects.filter(batch_id__in=by_id)
        .values("batch_id")
        .annotate(claims=Count("id"), new=Count("id", filter=Q(new_customer=True)), last=Max("created_at"))
    }
    # One claim per card and batch (one card per customer and program, one claim per customer and batch), so the
    # join to the claims never counts an event or a check twice within a batch.
    visits: dict[uuid.UUID, dict[str, Any]] = {
        row["card__insert_claims__batch_id"]: dict(row)
        for row in CardEvent.objects.filter(
            kind=EventKind.STAMP,
            card__insert_claims__batch_id__in=by_id,
            created_at__gt=F("card__insert_claims__created_at"),
        )
        .exclude(channel=Channel.INSERT)
        .values("card__insert_claims__batch_id")
        .annotate(visits=Count("id"), returned=Count("card_id", distinct=True))
    }
    revenue = {
        row["card__insert_claims__batch_id"]: row["revenue"]
        for row in Check.objects.filter(
            state=CheckState.COMMITTED,
            card__insert_claims__batch_id__in=by_id,
            created_at__gt=F("card__insert_claims__created_at"),
        )
        .exclude(pos=INSERT_POS)
        .values("card__insert_claims__batch_id")
        .annotate(revenue=Sum("total"))
    }
    result = {}
    for pk, batch in by_id.items():
        claim_row = claims.get(pk, {})
        visit_row = visits.get(pk, {})
        total_claims = claim_row.get("claims", 0)
        new = claim_row.get("new", 0)
        result[pk] = Attribution(
            inserts=batch.count,
            scans=batch.scans,
            claims=total_claims,
            new_customers=new,
            existing_customers=total_claims - new,
            later_visits=visit_row.get("visits", 0),
            customers_returned=visit_row.get("returned", 0),
            later_revenue=revenue.get(pk) or 0,
            currency=batch.merchant.currency,
            last_claim_at=claim_row.get("last"),
        )
    return result


def insert_batch_attribution(*, batch: InsertBatch) -> Attribution:
    return insert_batches_attribution(batches=[batch])[batch.pk]
