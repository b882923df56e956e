"""One-time codes emailed to a customer (lost-phone recovery, data-rights requests): six digits, valid ten minutes,
five attempts, stored only as a keyed hash by the row that holds them (fields ``code_hash``, ``expires_at``,
``attempts``, ``used_at``)."""

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db.models import F, QuerySet
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from stampcard.core import clock
from stampcard.core.errors import ApplicationError, ValidationFailed

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5


def code_new() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_spend(
    rows: QuerySet[Any], *, pk: int, code: str, hashed: Callable[[Any, str], str], locked: ApplicationError
) -> Any | None:
    """Spend one attempt of the live code row ``pk`` among ``rows`` on ``code``; return the row, now used.

    Returns None when the row is not live (expired, used, replaced or out of attempts) or another request used it
    first: the caller says which. Raises ValidationFailed (field ``code``) for a malformed code or a wrong one while
    attempts remain, and ``locked`` when the last attempt was wrong. ``hashed(row, code)`` is the row's keyed hash
    of a code."""
    code = "".join(ch for ch in (code or "") if not ch.isspace())
    if len(code) != CODE_DIGITS or not code.isdigit():
        raise ValidationFailed(_("Enter the 6-digit code from the email."), code="invalid_code", field="code")
    now = clock.now()
    live = rows.filter(pk=pk, used_at=None, expires_at__gt=now, attempts__lt=MAX_ATTEMPTS)
    if not live.update(attempts=F("attempts") + 1):
        return None
    row = rows.get(pk=pk)
    if not constant_time_compare(row.code_hash, hashed(row, code)):
        left = MAX_ATTEMPTS - row.attempts
        if left <= 0:
            raise locked
        raise ValidationFailed(
            _("This code is not right. Attempts left: %(left)d.") % {"left": left}, code="wrong_code", field="code"
        )
    if not rows.filter(pk=pk, used_at=None).update(used_at=now):
        return None
    return row
