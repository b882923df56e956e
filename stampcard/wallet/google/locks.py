"""Row locks for Google Wallet state."""

from stampcard.wallet.google.models import GoogleObject


def google_object_lock(*, google_object_id: int) -> GoogleObject:
    """Lock an object's row: its notification quota is counted and spent under it."""
    return GoogleObject.objects.select_for_update().get(pk=google_object_id)
