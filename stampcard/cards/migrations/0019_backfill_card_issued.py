"""Backfill "card issued" (delta 0) for every card issued before the journal recorded it, in batches by card id.

Each line carries the card's own creation time, the system channel, no location and ``"backfilled": true`` in its
payload. Re-running adds nothing (a card that has a ``card_issued`` line is skipped). The balance is untouched: the
card's stamps stay the sum of its deltas.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef, Subquery

BATCH = 2000


def backfill(apps, schema_editor):
    Card = apps.get_model("cards", "Card")
    CardEvent = apps.get_model("cards", "CardEvent")
    issued = CardEvent.objects.filter(card_id=OuterRef("pk"), kind="card_issued")
    after = 0
    while True:
        batch = list(
            Card.objects.filter(pk__gt=after)
            .order_by("pk")
            .values("pk", "merchant_id", "program__name")[:BATCH]
        )
        if not batch:
            return
        after = batch[-1]["pk"]
        missing = set(
            Card.objects.filter(pk__in=[row["pk"] for row in batch])
            .exclude(Exists(issued))
            .values_list("pk", flat=True)
        )
        CardEvent.objects.bulk_create(
            [
                CardEvent(
                    merchant_id=row["merchant_id"],
                    card_id=row["pk"],
                    kind="card_issued",
                    delta=0,
                    stamps_after=0,
                    channel="system",
                    payload={"program": row["program__name"], "backfilled": True},
                )
                for row in batch
                if row["pk"] in missing
            ]
        )
        # created_at is auto_now_add (bulk_create sets it to now): move each line to its card's creation time.
        CardEvent.objects.filter(card_id__in=missing, kind="card_issued").update(
            created_at=Subquery(Card.objects.filter(pk=OuterRef("card_id")).values("created_at")[:1])
        )


class Migration(migrations.Migration):
    dependencies = [("cards", "0018_journal_kinds")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
