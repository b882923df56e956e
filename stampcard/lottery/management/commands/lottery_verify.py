"""Recompute lottery draws from their seeds and recorded inputs: ``OK`` or ``MISMATCH`` per draw."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stampcard.lottery import proofs
from stampcard.lottery.models import LotteryDraw


class Command(BaseCommand):
    help = (
        "Recompute lottery draws from their period's seed and their public inputs and print OK or MISMATCH for "
        "each. Exits non-zero if any draw does not match. Seeds are used but never printed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("draw_ids", nargs="*", help="Draw ids to verify.")
        parser.add_argument("--lottery", help="Verify the draws of this lottery (with --period: of that period).")
        parser.add_argument("--period", type=date.fromisoformat, help="A period (UTC day, YYYY-MM-DD).")
        parser.add_argument("--all", action="store_true", help="Verify every draw.")

    def handle(self, *args: Any, **options: Any) -> None:
        draws = LotteryDraw.objects.select_related("seed").order_by("seed__period", "lottery_id", "sequence")
        if options["draw_ids"]:
            draws = draws.filter(pk__in=options["draw_ids"])
        elif options["lottery"] or options["period"]:
            if options["lottery"]:
                draws = draws.filter(lottery_id=options["lottery"])
            if options["period"]:
                draws = draws.filter(seed__period=options["period"])
        elif not options["all"]:
            raise CommandError("name draw ids, or --lottery and/or --period, or --all")
        checked = mismatches = 0
        for draw in draws.iterator():
            checked += 1
            problems = proofs.draw_problems(draw)
            if problems:
                mismatches += 1
                self.stdout.write(f"MISMATCH {draw.pk}: " + "; ".join(problems))
            else:
                self.stdout.write(f"OK {draw.pk} (period {draw.seed.period}, #{draw.sequence}, {draw.outcome})")
        missing = len(set(options["draw_ids"]) - {str(d.pk) for d in draws}) if options["draw_ids"] else 0
        self.stdout.write(f"{checked} checked, {mismatches} mismatched, {missing} not found")
        if mismatches or missing:
            raise CommandError(f"{mismatches} draw(s) did not verify, {missing} not found")
