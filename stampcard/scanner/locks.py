"""Row locks for the scanner app: a paired device while its mode changes, the ledger scan's cursor while a run
reads forward from it (one run at a time, whatever the number of workers)."""

import uuid

from stampcard.scanner.models import LedgerCursor, ScannerDevice


def device_lock(*, device_id: uuid.UUID) -> ScannerDevice:
    return ScannerDevice.objects.select_for_update().get(pk=device_id)


def ledger_cursor_lock(*, name: str) -> tuple[LedgerCursor, bool]:
    """Lock the named cursor, made on first use; returns it and whether it was just made."""
    return LedgerCursor.objects.select_for_update().get_or_create(name=name)
