"""Row locks for Poster connections: one account row per Poster account, locked while its owner or token changes."""

from stampcard.poster.models import PosterAccount


def account_lock(*, account: str) -> PosterAccount | None:
    """Lock the row of a Poster account (lower-case name), or None when the account is not known yet."""
    return PosterAccount.objects.select_for_update().filter(account=account).first()
