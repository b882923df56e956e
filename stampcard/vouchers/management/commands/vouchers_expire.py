"""``stampcard vouchers_expire``: expire due vouchers now, or enqueue the task for the worker (for cron)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from stampcard.vouchers.tasks import vouchers_expire_due


class Command(BaseCommand):
    help = "Expire vouchers past their expiry (and activate those past valid_from)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Hand the work to the background worker.")
        parser.add_argument("--limit", type=int, default=500, help="At most this many of each kind per run.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = vouchers_expire_due.enqueue(limit=options["limit"])
            self.stdout.write(f"enqueued {result.id}")
            return
        moved = vouchers_expire_due.call(limit=options["limit"])
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in moved.items()))
