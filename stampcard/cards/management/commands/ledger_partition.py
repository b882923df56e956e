"""``stampcard ledger_partition STEP``: turn the ledger into a table partitioned by month (PostgreSQL only).

Steps, in order (each resumable; docs/scaling.md): ``prepare``, ``copy``, ``swap``, ``drop-old``; ``convert`` runs
the first three; ``ensure`` creates the coming months' partitions (the beat does it every few hours); ``status``
says where the ledger stands; ``abort`` (before the swap) drops the shadow table and leaves the ledger as it was.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stampcard.cards import partitioning

STEPS = ("status", "prepare", "copy", "swap", "drop-old", "convert", "ensure", "abort")


class Command(BaseCommand):
    help = "Partition the card ledger (cards_cardevent) by month on PostgreSQL, in resumable steps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("step", choices=STEPS)
        parser.add_argument("--batch", type=int, default=50_000, help="Ledger lines copied per transaction.")
        parser.add_argument(
            "--months-ahead", type=int, default=partitioning.MONTHS_AHEAD, help="Partitions created ahead of now."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        step, ahead = options["step"], options["months_ahead"]
        try:
            if step == "status":
                self._status()
                return
            runs = {
                "prepare": lambda: [partitioning.prepare(months_ahead=ahead)],
                "copy": lambda: [partitioning.copy(batch=options["batch"])],
                "swap": lambda: [partitioning.swap()],
                "drop-old": lambda: [partitioning.drop_old()],
                "abort": lambda: [partitioning.abort()],
                "convert": lambda: [
                    partitioning.prepare(months_ahead=ahead),
                    partitioning.copy(batch=options["batch"]),
                    partitioning.swap(),
                ],
            }
            if step == "ensure":
                created = partitioning.partitions_ensure(months_ahead=ahead)
                self.stdout.write(f"ensure: created {', '.join(created) or 'nothing'}")
                return
            for progress in runs[step]():
                self.stdout.write(f"{progress.step}: {progress.rows} lines; {progress.detail}")
        except partitioning.PartitioningError as error:
            raise CommandError(str(error)) from error

    def _status(self) -> None:
        if partitioning.is_partitioned():
            names = partitioning.partitions()
            self.stdout.write(f"partitioned: {len(names)} partitions, {names[0]} .. {names[-1]}")
        else:
            self.stdout.write("not partitioned")
