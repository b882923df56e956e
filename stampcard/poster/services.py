"""Writes for the Poster connection: accounts and their tokens, spot -> location mapping, application events.

Nothing here calls Poster: callers fetch first (outside any transaction), then hand the answers in.
"""

from django.db import transaction

from stampcard.core import clock
from stampcard.merchants import selectors as merchants_selectors
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import Role
from stampcard.poster import client as poster_client
from stampcard.poster import crypto, errors, locks, selectors
from stampcard.poster.models import AccountStatus, DeliveryOutcome, PosterAccount, PosterSpot

POS = "poster"  # the ``pos`` of every Check that comes from Poster; its external id is Poster's transaction_id


def poster_actor(*, poster_account: PosterAccount) -> Actor:
    """Who acts for a webhook: the merchant's Poster integration itself (no staff login)."""
    if poster_account.merchant is None:
        raise errors.PosterAccountNotFound()
    return Actor(merchant=poster_account.merchant, channel=Channel.POSTER)


def account_token(*, poster_account: PosterAccount) -> str:
    return crypto.token_decrypt(poster_account.access_token_encrypted)


def _store_token(row: PosterAccount, token: str) -> None:
    row.access_token_encrypted = crypto.token_encrypt(token)
    row.token_hint = crypto.token_hint(token)


@transaction.atomic
def account_connect(
    *,
    actor: Actor,
    account: str,
    grant: poster_client.TokenGrant,
    account_settings: poster_client.AccountSettings | None,
    spots: list[poster_client.Spot],
) -> PosterAccount:
    """Store what the OAuth exchange brought for ``actor``'s merchant (a manager or the owner).

    An account installed from Poster's marketplace before (unclaimed) is claimed; one connected to another
    merchant is refused with PosterAccountTaken, unless that merchant disconnected it.
    """
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    account = account.strip().lower()
    if not poster_client.account_valid(account):
        raise errors.PosterAccountInvalid(account=account)
    row = locks.account_lock(account=account)
    if row is None:
        row = PosterAccount(account=account)
    elif (
        row.merchant_id is not None
        and row.merchant_id != actor.merchant.pk
        and row.status != AccountStatus.DISCONNECTED
    ):
        raise errors.PosterAccountTaken(account=account)
    if row.merchant_id is not None and row.merchant_id != actor.merchant.pk:
        row.spots.all().delete()  # the other merchant's locations must not stay mapped
    row.merchant = actor.merchant
    _store_token(row, grant.access_token)
    row.account_number = grant.account_number
    row.poster_user_id = str(grant.user.get("id") or row.poster_user_id)
    row.company_name = (
        account_settings.company_name if account_settings else str(grant.owner_info.get("company_name") or "")
    ) or row.company_name
    row.currency = (account_settings.currency if account_settings else "") or row.currency
    row.connected_by = actor.user
    row.connected_at = clock.now()
    row.status = AccountStatus.CONNECTED
    row.save()
    spots_sync(poster_account=row, spots=spots)
    return row


def spots_sync(*, poster_account: PosterAccount, spots: list[poster_client.Spot]) -> list[PosterSpot]:
    """Record the account's spots (names refreshed, mappings kept) and map the obvious ones: a spot named like an
    active location, or the only spot of a merchant with one active location."""
    merchant = poster_account.merchant
    if merchant is None:
        return []
    for spot in spots:
        PosterSpot.objects.update_or_create(
            poster_account=poster_account,
            spot_id=spot.spot_id,
            defaults={"merchant": merchant, "name": spot.name[:200], "address": spot.address[:300]},
        )
    rows = list(selectors.spots_for_account(poster_account=poster_account))
    locations = list(merchant.locations.filter(is_active=True))
    by_name = {location.name.strip().casefold(): location for location in locations}
    for row in rows:
        if row.location_id is not None:
            continue
        match = by_name.get(row.name.strip().casefold())
        if match is None and len(rows) == 1 and len(locations) == 1:
            match = locations[0]
        if match is not None:
            row.location = match
            row.save(update_fields=["location"])
    return rows


def spot_for_transaction(*, poster_account: PosterAccount, spot_id: str) -> PosterSpot | None:
    """The spot a transaction happened at; a spot opened after connecting is recorded (unmapped) on first sight."""
    if not spot_id or poster_account.merchant is None:
        return None
    found = selectors.spot_for_poster_id(poster_account=poster_account, spot_id=spot_id)
    if found is None:
        found, _created = PosterSpot.objects.get_or_create(
            poster_account=poster_account, spot_id=spot_id, defaults={"merchant": poster_account.merchant}
        )
    return found


@transaction.atomic
def spot_map(*, actor: Actor, spot_pk: int | str, location_id: str | None) -> PosterSpot:
    """Count a Poster spot's checks at one of the merchant's locations (or at none)."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    spot = selectors.spot_get(merchant=actor.merchant, spot_pk=spot_pk)
    spot.location = (
        merchants_selectors.location_get(merchant=actor.merchant, location_id=location_id) if location_id else None
    )
    spot.save(update_fields=["location"])
    return spot


@transaction.atomic
def account_disconnect(*, actor: Actor, poster_account_id: int | str) -> PosterAccount:
    """Forget the token. Webhooks for the account are still stored, and answered, but act on nothing."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    row = selectors.poster_account_get(merchant=actor.merchant, poster_account_id=poster_account_id)
    row.access_token_encrypted, row.token_hint, row.status = "", "", AccountStatus.DISCONNECTED
    row.save(update_fields=["access_token_encrypted", "token_hint", "status"])
    return row


def account_token_rejected(*, poster_account: PosterAccount) -> None:
    """Poster refused the token (codes 10-12): the connection page asks for a new connect."""
    PosterAccount.objects.filter(pk=poster_account.pk, status=AccountStatus.CONNECTED).update(
        status=AccountStatus.TOKEN_REJECTED
    )


def application_event_apply(
    *, account: str, account_number: str, action: str, data: dict[str, object]
) -> tuple[DeliveryOutcome, PosterAccount | None]:
    """The ``application`` webhook (DOCS en/web/webhooks.md): ``added`` carries ``data.user_id`` and
    ``data.access_token`` — the marketplace path's token —, ``removed`` means the app was uninstalled.

    Runs inside the transaction that stores the delivery, so the token is never written anywhere in clear.
    """
    account = account.strip().lower()
    row = locks.account_lock(account=account)
    if action == "added":
        token = data.get("access_token")
        if not isinstance(token, str) or not token or not poster_client.account_valid(account):
            return DeliveryOutcome.IGNORED, row
        if row is None:
            row = PosterAccount(account=account, status=AccountStatus.UNCLAIMED)
        _store_token(row, token)
        row.account_number = account_number or token.partition(":")[0]
        row.poster_user_id = str(data.get("user_id") or row.poster_user_id)
        if row.merchant_id is not None:
            row.status, row.connected_at = AccountStatus.CONNECTED, clock.now()
        row.save()
        return DeliveryOutcome.TOKEN_STORED, row
    if action == "removed" and row is not None:
        if row.merchant_id is None:
            row.delete()
            return DeliveryOutcome.APP_REMOVED, None
        row.access_token_encrypted, row.token_hint, row.status = "", "", AccountStatus.DISCONNECTED
        row.save(update_fields=["access_token_encrypted", "token_hint", "status"])
        return DeliveryOutcome.APP_REMOVED, row
    return DeliveryOutcome.IGNORED, row
