"""Row claims of the wallet change feed over the rows cards records (``cards.CardChange``)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q

from stampcard.cards.models import CardChange
from stampcard.core import clock


@dataclass(frozen=True)
class ClaimedChange:
    pk: int
    card_id: int
    attempts: int  # hand-overs tried, this one included


def card_changes_claim(
    *,
    claim_for: timedelta,
    card_ids: list[int] | None = None,
    recorded_before: datetime | None = None,
    limit: int | None = None,
) -> list[ClaimedChange]:
    """Claim, for ``claim_for``, the change rows nobody holds (never claimed, or their claim lapsed): those of
    ``card_ids``, and/or those recorded before ``recorded_before``, oldest first, at most ``limit``.

    The claim is committed on return, so the caller hands the rows over outside any transaction. Rows another
    worker is claiming right now are skipped rather than waited for (``SKIP LOCKED``), so workers sweeping at once
    take different rows; and a row claimed by a worker that died is taken again once its claim lapses.
    """
    now = clock.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    rows = CardChange.objects.filter(free)
    if card_ids is not None:
        rows = rows.filter(card_id__in=card_ids)
    if recorded_before is not None:
        rows = rows.filter(recorded_at__lt=recorded_before)
    rows = rows.order_by("pk")
    with transaction.atomic():
        locked = rows.select_for_update(skip_locked=True).values_list("pk", "card_id", "attempts")
        found = list(locked[:limit] if limit is not None else locked)
        if not found:
            return []
        # Re-checked in the update: the rows are locked on PostgreSQL, and SQLite lets one writer at a time through.
        CardChange.objects.filter(free, pk__in=[pk for pk, _, _ in found]).update(
            claimed_until=now + claim_for, attempts=F("attempts") + 1
        )
    return [ClaimedChange(pk=pk, card_id=card_id, attempts=attempts + 1) for pk, card_id, attempts in found]
