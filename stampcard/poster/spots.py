"""Reading a connected account's spots from Poster again (a spot opened after connecting, a renamed one).

Poster is called first, outside any transaction; the answer is then stored by ``services.spots_sync``.
"""

import httpx
from django.db import transaction

from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role
from stampcard.poster import client as poster_client
from stampcard.poster import crypto, errors, selectors, services
from stampcard.poster.models import PosterSpot


def spots_refresh(*, actor: Actor, poster_account_id: int | str, http: httpx.Client) -> list[PosterSpot]:
    """Fetch the account's spots (``access.getSpots``) and record them: names refreshed, mappings kept, new spots
    added (mapped when named like a location).

    Raises PosterAccountNotFound (not this merchant's), PosterAccountNotConnected (no usable token), and
    PosterApiError when Poster refuses or does not answer; a refused token (PosterTokenError) also marks the account
    ``token_rejected``, so the page asks for a new connect.
    """
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    row = selectors.poster_account_get(merchant=actor.merchant, poster_account_id=poster_account_id)
    if not row.is_connected:
        raise errors.PosterAccountNotConnected()
    try:
        token = services.account_token(poster_account=row)
    except crypto.TokenUnreadable:
        services.account_token_rejected(poster_account=row)
        raise errors.PosterAccountNotConnected() from None
    try:
        spots = poster_client.PosterClient(http=http, token=token).spots_get()
    except poster_client.PosterTokenError:
        services.account_token_rejected(poster_account=row)
        raise
    with transaction.atomic():
        return services.spots_sync(poster_account=row, spots=spots)
