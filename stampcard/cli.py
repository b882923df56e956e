"""The ``stampcard`` command: Django's manage.py with the operator's names for common jobs.

``stampcard worker`` runs the background task worker (``stampcard.core``'s ``worker`` command: django-tasks' database
worker with a heartbeat); every other word is a Django management command.
"""

import os
import sys

ALIASES: dict[str, list[str]] = {}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] in ALIASES:
        args[1:2] = ALIASES[args[1]]
    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
