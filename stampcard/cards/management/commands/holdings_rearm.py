"""``stampcard holdings_rearm``: make every card's next answer read its holdings again.

A card answers without reading its ready rewards and vouchers while its counters say nothing was put on it since it
was last seen holding nothing (``Card.holds_nothing_open``). Code older than those counters (cards migration 0026)
puts rewards and vouchers on cards without counting them; run this once every process of that code has stopped, when
a deploy let old and new processes run side by side (docs/deploy.md). It changes no holding; each card's next
answer costs one read more.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import F

from stampcard.cards.models import Card


class Command(BaseCommand):
    help = "Make every card's next answer read its ready rewards and vouchers again (after a rolling deploy)."

    def handle(self, *args: Any, **options: Any) -> None:
        # Counting up, never down: a read racing this sees its card's counter moved and records nothing.
        armed = Card.objects.filter(holdings_added=F("holdings_seen_empty")).update(
            holdings_added=F("holdings_added") + 1
        )
        self.stdout.write(f"{armed} cards will read their holdings on their next answer.")
