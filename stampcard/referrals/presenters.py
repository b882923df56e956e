"""A referral as API v1 shows it: its state and the two cards by number, never the digests the abuse checks keep."""

from datetime import datetime
from typing import Any

from stampcard.referrals.models import Referral


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def referral_payload(referral: Referral) -> dict[str, Any]:
    return {
        "id": str(referral.pk),
        "state": referral.state,
        "refusal": referral.refusal or None,
        "flagged": referral.flagged,
        "mode": referral.mode,
        "referrer_card": referral.referrer_card.number,
        "friend_card": referral.friend_card.number,
        "joined_at": referral.created_at.isoformat(),
        "qualified_at": _iso(referral.qualified_at),
        "rewarded_at": _iso(referral.rewarded_at),
        "reviewed_at": _iso(referral.reviewed_at),
    }
