"""Reads for the Poster integration. Tenant rows come through doors that take the merchant."""

import uuid

from django.db.models import QuerySet

from stampcard.merchants.models import Merchant
from stampcard.poster import errors
from stampcard.poster.models import AccountStatus, DeliveryOutcome, PosterAccount, PosterSpot, PosterWebhookDelivery

# Outcomes a merchant should hear about: something went wrong that they (or support) can act on. A check without a
# card or an order still open is ordinary business.
DELIVERY_ERRORS = (
    DeliveryOutcome.FAILED,
    DeliveryOutcome.TOKEN_REJECTED,
    DeliveryOutcome.REFUSED,
    DeliveryOutcome.CARD_NOT_FOUND,
    DeliveryOutcome.TRANSACTION_NOT_FOUND,
)


def poster_accounts_for_merchant(*, merchant: Merchant) -> "QuerySet[PosterAccount]":
    return PosterAccount.objects.filter(merchant=merchant).order_by("-connected_at", "account")


def poster_account_get(*, merchant: Merchant, poster_account_id: int | str) -> PosterAccount:
    try:
        found = poster_accounts_for_merchant(merchant=merchant).filter(pk=int(poster_account_id)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise errors.PosterAccountNotFound()
    return found


def poster_account_for_status(*, merchant: Merchant, account: str = "") -> PosterAccount | None:
    """The merchant's Poster account the POS app runs in: the one named, else the connected one (newest first)."""
    accounts = poster_accounts_for_merchant(merchant=merchant)
    if account:
        return accounts.filter(account=account.strip().lower()).first()
    return accounts.filter(status=AccountStatus.CONNECTED).first() or accounts.first()


def poster_account_by_login(*, account: str) -> PosterAccount | None:
    """System door (webhooks): the account Poster names in a signed delivery, whoever it belongs to."""
    return PosterAccount.objects.select_related("merchant").filter(account=account.strip().lower()).first()


def spots_for_account(*, poster_account: PosterAccount) -> "QuerySet[PosterSpot]":
    return PosterSpot.objects.filter(poster_account=poster_account).select_related("location").order_by("spot_id")


def spot_get(*, merchant: Merchant, spot_pk: int | str) -> PosterSpot:
    try:
        found = (
            PosterSpot.objects.select_related("poster_account", "location")
            .filter(merchant=merchant, pk=int(spot_pk))
            .first()
        )
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise errors.PosterSpotNotFound()
    return found


def spot_for_poster_id(*, poster_account: PosterAccount, spot_id: str) -> PosterSpot | None:
    return PosterSpot.objects.select_related("location").filter(poster_account=poster_account, spot_id=spot_id).first()


def location_ids_of(*, merchant: Merchant) -> set[uuid.UUID]:
    return set(merchant.locations.filter(is_active=True).values_list("pk", flat=True))


def delivery_last(*, poster_account: PosterAccount) -> PosterWebhookDelivery | None:
    """The newest webhook Poster delivered for the account."""
    return PosterWebhookDelivery.objects.filter(poster_account=poster_account).order_by("-received_at", "-pk").first()


def delivery_last_error(*, poster_account: PosterAccount) -> PosterWebhookDelivery | None:
    """The newest delivery that ended in an error (``DELIVERY_ERRORS``) since the account was last connected."""
    found = PosterWebhookDelivery.objects.filter(poster_account=poster_account, outcome__in=DELIVERY_ERRORS)
    if poster_account.connected_at is not None:
        found = found.filter(received_at__gte=poster_account.connected_at)
    return found.order_by("-received_at", "-pk").first()
