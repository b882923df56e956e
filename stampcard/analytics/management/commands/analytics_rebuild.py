"""``stampcard analytics_rebuild``: rebuild the analytics rollups from the ledger, of one merchant or of all.

For an operator after a merchant's time-zone change, after a bulk import, or to fill the rollups of a database the
worker has not read yet (``make bigdata``). The ledger cursor moves to the end, so the worker carries on from there.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from stampcard.analytics import rollups
from stampcard.merchants.models import Merchant


class Command(BaseCommand):
    help = "Rebuild the analytics rollups from the ledger (every merchant, or --merchant ID)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--merchant", help="Only this merchant's id.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["merchant"]:
            merchant = Merchant.objects.get(pk=options["merchant"])
            days = rollups.rollups_rebuild(merchant=merchant)
            self.stdout.write(f"{merchant.name}: {days} days")
            return
        result = rollups.rollups_rebuild_all()
        self.stdout.write(f"{result.merchants} merchants, {result.days} days, ledger read to line {result.events}")
