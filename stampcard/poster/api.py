"""API v1 route for the POS app inside Poster: check the pasted API key and show what it is connected to.

Mounted on the POS API in ``config.api``. The app sends its ``Poster.settings`` account and spot, so the
answer can name the location the spot's checks count at.
"""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from stampcard.api.common import ERRORS, actor_of
from stampcard.poster import selectors

router = Router(tags=["poster"])


class NamedOut(Schema):
    id: str
    name: str


class StaffOut(Schema):
    name: str
    role: str


class PosterSpotOut(Schema):
    spot_id: str
    name: str
    location: NamedOut | None = Field(description="Where this spot's checks are counted; null when not mapped.")


class PosterAccountOut(Schema):
    account: str = Field(description="The Poster account login ({account}.joinposter.com).")
    company_name: str
    status: str = Field(description="connected | unclaimed | token_rejected | disconnected")
    connected_at: datetime | None
    spot: PosterSpotOut | None = Field(description="The spot asked for with ?spot_id=, when stampcard knows it.")


class PosterStatusOut(Schema):
    connected: bool = Field(description="The API key works. The app shows its connected status from this.")
    merchant: NamedOut
    location: NamedOut | None = Field(
        description="The key's own location, else the location the spot is mapped to, else null."
    )
    staff: StaffOut
    poster: PosterAccountOut | None = Field(description="The merchant's Poster account (webhooks, OAuth), if any.")
    warnings: list[str] = Field(
        [], description="location_mismatch: the key's location is not the spot's; poster_not_connected."
    )


def _named(obj: object | None) -> dict[str, str] | None:
    return None if obj is None else {"id": str(obj.pk), "name": str(obj.name)}  # type: ignore[attr-defined]


@router.get("/poster/status", response={200: PosterStatusOut, **ERRORS}, summary="Poster app: connection status")
def poster_status(
    request: HttpRequest, account: str = Query("", max_length=100), spot_id: str = Query("", max_length=64)
) -> dict[str, object]:
    actor = actor_of(request)
    warnings: list[str] = []
    poster_account = selectors.poster_account_for_status(merchant=actor.merchant, account=account)
    spot = (
        selectors.spot_for_poster_id(poster_account=poster_account, spot_id=spot_id.strip())
        if poster_account is not None and spot_id.strip()
        else None
    )
    location = actor.location or (spot.location if spot is not None else None)
    if actor.location is not None and spot is not None and spot.location_id not in (None, actor.location.pk):
        warnings.append("location_mismatch")
    if poster_account is None or not poster_account.is_connected:
        warnings.append("poster_not_connected")
    user = actor.user
    return {
        "connected": True,
        "merchant": _named(actor.merchant),
        "location": _named(location),
        "staff": {
            "name": (user.full_name or user.email) if user is not None else "",
            "role": actor.membership.role if actor.membership is not None else "",
        },
        "poster": None
        if poster_account is None
        else {
            "account": poster_account.account,
            "company_name": poster_account.company_name,
            "status": poster_account.status,
            "connected_at": poster_account.connected_at,
            "spot": None
            if spot is None
            else {"spot_id": spot.spot_id, "name": spot.name, "location": _named(spot.location)},
        },
        "warnings": warnings,
    }


# The POS app's own routes (signed check commit, configuration, receipt QR text): stampcard.poster.pos_app.
from stampcard.poster.pos_app.api import router as pos_app_router  # noqa: E402

router.add_router("", pos_app_router)
