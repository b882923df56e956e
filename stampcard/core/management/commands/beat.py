"""``stampcard beat``: enqueue the periodic tasks of ``stampcard.core.periodic`` on their schedule, until stopped."""

import time
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand

from stampcard.core import clock
from stampcard.core.periodic import enqueue_due


class Command(BaseCommand):
    help = "Enqueue periodic tasks (voucher expiry, lottery seeds) for the worker; run one beat per installation."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="enqueue what is due now and exit")
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between checks")

    def handle(self, *args: Any, once: bool, tick: float, **options: Any) -> None:
        last_enqueued: dict[str, datetime] = {}
        while True:
            for path in enqueue_due(now=clock.now(), last_enqueued=last_enqueued):
                self.stdout.write(f"enqueued {path}")
            if once:
                return
            time.sleep(tick)
