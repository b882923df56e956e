"""Demo data: the demo merchant connected to the Poster stand-in's demo account (``make run``).

No network: the stand-in (``stampcard.sandbox.poster.start_dev_stand_in``) starts with the same account, spots and
token that this seed stores, so closing a check on the stand-in sends a webhook that stamps here. It lives in the
demo package because it needs the stand-in's demo account, and only the demo may import ``stampcard.sandbox``.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from stampcard.cards.models import Program
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Location, Merchant
from stampcard.poster import client as poster_client
from stampcard.poster import locks as poster_locks
from stampcard.poster import services
from stampcard.poster.models import PosterSpot
from stampcard.sandbox import poster as sandbox_poster


def _namesake(spot_name: str, locations: list[Location]) -> Location | None:
    """The location named like the spot ("Podil", or "Demo Coffee — Podil")."""
    wanted = spot_name.strip().casefold()
    for candidate in locations:
        name = candidate.name.strip().casefold()
        if name == wanted or name.endswith(f"— {wanted}") or name.endswith(f"- {wanted}"):
            return candidate
    return None


def _map_spots_to_namesakes(*, actor: Actor, poster_account_id: int) -> None:
    """Map each demo spot to the location of the same name. A spot left unmapped, or mapped to another spot's
    namesake (demos seeded before mapped "Khreshchatyk" to "Podil"), is mapped; one the merchant mapped elsewhere
    is left alone."""
    locations = list(Location.objects.filter(merchant=actor.merchant, is_active=True).order_by("created_at"))
    spots = list(PosterSpot.objects.filter(poster_account_id=poster_account_id).order_by("spot_id"))
    namesakes = {spot.pk: _namesake(spot.name, locations) for spot in spots}
    claimed = {location.pk for location in namesakes.values() if location is not None}
    for spot in spots:
        target = namesakes[spot.pk]
        if target is None or spot.location_id == target.pk:
            continue
        if spot.location_id is None or spot.location_id in claimed:
            services.spot_map(actor=actor, spot_pk=spot.pk, location_id=str(target.pk))


@transaction.atomic
def seed_demo(
    *, merchant: Merchant, program: Program, location: Location, owner_actor: Actor, base_url: str
) -> dict[str, str]:
    account = poster_locks.account_lock(account=sandbox_poster.DEMO_ACCOUNT)
    if account is not None and account.merchant_id not in (None, merchant.pk):
        return {}  # another merchant of this database holds the demo account: leave it alone
    grant = poster_client.TokenGrant(
        access_token=sandbox_poster.demo_token(),
        account_number=sandbox_poster.DEMO_ACCOUNT_NUMBER,
        user={"id": 1},
        owner_info={"company_name": merchant.name},
        tariff=None,
    )
    settings_answer = poster_client.AccountSettings(
        account=sandbox_poster.DEMO_ACCOUNT,
        company_name=merchant.name,
        currency=merchant.currency,
        timezone=merchant.timezone,
        lang="ua",
    )
    spots = [poster_client.Spot(spot_id=spot_id, name=name, address="") for spot_id, name in sandbox_poster.DEMO_SPOTS]
    row = services.account_connect(
        actor=owner_actor,
        account=sandbox_poster.DEMO_ACCOUNT,
        grant=grant,
        account_settings=settings_answer,
        spots=spots,
    )
    _map_spots_to_namesakes(actor=owner_actor, poster_account_id=row.pk)
    stand_in = settings.POSTER_API_URL.removesuffix("/api")
    return {
        "Poster connection (owner login)": f"{base_url}{reverse('panel:integrations')}",
        "Poster stand-in": f"{stand_in}/",
        "Poster demo account": sandbox_poster.DEMO_ACCOUNT,
        "Ring up a check on the Poster stand-in": (
            f"curl -X POST {stand_in}/_control/transactions -d "
            f'\'{{"account": "{sandbox_poster.DEMO_ACCOUNT}", "products": [{{"product_id": "1"}}], '
            f'"comment": "stampcard:<card number>"}}\'  then POST /_control/transactions/close '
            f'\'{{"account": "{sandbox_poster.DEMO_ACCOUNT}", "transaction_id": <id>}}\''
        ),
    }
