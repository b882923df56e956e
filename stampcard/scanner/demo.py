"""Demo pointers for the scanner app. It needs no data of its own: a demo staff login pairs the phone or tablet."""

from django.urls import reverse

from stampcard.cards.models import Program
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Location, Merchant


def seed_demo(
    *, merchant: Merchant, program: Program, location: Location | None, owner_actor: Actor, base_url: str
) -> dict[str, str]:
    """label -> URL: the scanner app (open it on a phone, log in with a demo staff login, pick a location and a
    mode) and its API's docs. Creates nothing, so it is idempotent; no token or password is returned."""
    base = base_url.rstrip("/")
    return {
        "Scanner app (log in with a demo staff email and password)": base + reverse("scanner:app"),
        "Scanner API docs": base + reverse("scanner:scanner-api:openapi-view"),
    }
