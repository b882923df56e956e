"""Record returned email: ``manage.py messages_bounce < dsn.eml`` (or ``--file``), fed by the mail server.

The mail server delivers the delivery status notifications (RFC 3464) sent to the envelope sender of our email to
this command, one email on standard input per run, e.g. with a Postfix alias (docs/operations.md). The exit status
is 0 whether or not the DSN named an email of ours (a mail server retrying a harmless email forever helps nobody),
and 1 only when the input cannot be read.
"""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stampcard.campaigns.messages import bounces


class Command(BaseCommand):
    help = "Record a bounce: reads a delivery status notification (a DSN email) and marks the email it returns."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", help="Read the DSN from this file instead of standard input.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            raw = Path(options["file"]).read_bytes() if options["file"] else sys.stdin.buffer.read()
        except OSError as exc:
            raise CommandError(f"cannot read the DSN: {exc}") from exc
        results = bounces.dsn_record(raw)
        if not results:
            self.stdout.write("no delivery status notification of ours in this email")
        for result in results:
            stopped = " (marketing email to the address stopped)" if result.address_stopped else ""
            self.stdout.write(f"delivery {result.delivery_id}: {result.code}{stopped}")
