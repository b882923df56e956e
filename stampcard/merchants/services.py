"""Writes for tenancy and access: merchants, locations, staff, API keys, plans."""

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.core import clock
from stampcard.core.codes import random_base32
from stampcard.core.errors import Conflict, ValidationFailed
from stampcard.core.uniques import insert_with_fresh_code
from stampcard.merchants import errors, keycache, locks, selectors
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import (
    ApiKey,
    BillingInterval,
    BusinessType,
    Location,
    Membership,
    Merchant,
    Plan,
    Role,
    StaffUser,
    Subscription,
)
from stampcard.merchants.plans import limits_for

API_KEY_PREFIX_LENGTH = 10
API_KEY_SECRET_BYTES = 20  # 160 bits, written as 40 hex digits: no separators to break a double-click copy
API_KEY_ATTEMPTS = 5


@transaction.atomic
def merchant_create(
    *,
    name: str,
    owner: StaffUser,
    currency: str = "UAH",
    timezone: str = "Europe/Kyiv",
    locale: str = "uk",
    business_type: BusinessType = BusinessType.OTHER,
    country: str = "",
    location_name: str = "",
) -> Merchant:
    """A merchant on the free plan with ``owner`` as its owner; with ``location_name``, its first location too."""
    merchant = Merchant(
        name=name,
        currency=currency.upper(),
        timezone=timezone,
        locale=locale,
        business_type=business_type,
        country=country.upper(),
    )
    merchant.full_clean()
    merchant.save()
    Subscription.objects.create(merchant=merchant, plan=Plan.FREE)
    Membership.objects.create(merchant=merchant, user=owner, role=Role.OWNER)
    if location_name:
        Location.objects.create(merchant=merchant, name=location_name)
    return merchant


@transaction.atomic
def merchant_sign_up(
    *,
    email: str,
    password: str,
    full_name: str,
    name: str,
    business_type: BusinessType,
    country: str,
    currency: str,
    timezone: str,
    locale: str,
) -> Merchant:
    """Sign-up: a new staff login owning a new merchant with its first location (named after the business), all or
    nothing. The owner is never operator staff (no Django admin). Raises Conflict(email_taken) when the email is
    already a staff login, even when two sign-ups race for it (the unique index decides)."""
    try:
        with transaction.atomic():
            owner = staff_user_create(email=email, password=password, full_name=full_name)
    except IntegrityError:
        raise Conflict(_("A staff login with this email exists already."), code="email_taken") from None
    return merchant_create(
        name=name,
        owner=owner,
        currency=currency,
        timezone=timezone,
        locale=locale,
        business_type=business_type,
        country=country,
        location_name=name,
    )


@transaction.atomic
def merchant_settings_update(
    *,
    actor: Actor,
    name: str,
    business_type: BusinessType,
    country: str,
    currency: str,
    timezone: str,
    locale: str,
    currency_in_use: bool,
) -> Merchant:
    """The owner edits the business profile. ``currency_in_use`` says whether checks in the current currency
    exist (checks live above this app, so the caller looks): then the currency stays, else every amount already
    recorded would read in the wrong money. Raises RoleForbidden or CurrencyInUse."""
    ensure_role(actor=actor, minimum=Role.OWNER)
    merchant = Merchant.objects.select_for_update().get(pk=actor.merchant.pk)
    currency = currency.upper()
    if currency != merchant.currency and currency_in_use:
        raise errors.CurrencyInUse(currency=merchant.currency)
    merchant.name, merchant.business_type, merchant.country = name, business_type, country.upper()
    merchant.currency, merchant.timezone, merchant.locale = currency, timezone, locale
    merchant.full_clean()
    merchant.save(update_fields=["name", "business_type", "country", "currency", "timezone", "locale"])
    return merchant


@transaction.atomic
def subscription_change(
    *,
    merchant: Merchant,
    plan: Plan,
    interval: BillingInterval | None = None,
    locations: int = 0,
    period_end: datetime | None = None,
) -> Subscription:
    if plan == Plan.PAID and interval not in (BillingInterval.MONTH, BillingInterval.YEAR):
        raise ValidationFailed(_("A paid plan is billed monthly or yearly."), code="invalid_interval", field="interval")
    if plan == Plan.PAID and locations < 1:
        raise ValidationFailed(
            _("A paid plan covers at least one location."), code="invalid_locations", field="locations"
        )
    subscription = locks.subscription_lock(merchant=merchant)
    subscription.plan = plan
    subscription.interval = (interval or "") if plan == Plan.PAID else ""
    subscription.locations_paid = locations if plan == Plan.PAID else 0
    subscription.current_period_end = period_end
    subscription.save()
    merchant.subscription = subscription  # metering reads the plan from here; a stale copy would keep the old cap
    keycache.api_keys_forget()  # keys carry the plan too
    return subscription


@transaction.atomic
def location_create(*, merchant: Merchant, name: str, address: str = "") -> Location:
    # The subscription row is the merchant's lock for plan-limited counts (locations, seats).
    subscription = locks.subscription_lock(merchant=merchant)
    limit = limits_for(subscription).locations
    if limit is not None and Location.objects.filter(merchant=merchant, is_active=True).count() >= limit:
        raise errors.LocationLimitReached(limit=limit)
    return Location.objects.create(merchant=merchant, name=name, address=address)


def staff_user_create(*, email: str, password: str | None, full_name: str = "") -> StaffUser:
    return StaffUser.objects.create_user(email=email, password=password, full_name=full_name)


@transaction.atomic
def membership_create(
    *, merchant: Merchant, user: StaffUser, role: Role, locations: list[Location] | None = None
) -> Membership:
    if any(location.merchant_id != merchant.pk for location in locations or ()):
        raise ValidationFailed(code="location_not_found", field="locations")
    subscription = locks.subscription_lock(merchant=merchant)
    seats = limits_for(subscription).seats
    if seats is not None and Membership.objects.filter(merchant=merchant, is_active=True).count() >= seats:
        raise errors.SeatLimitReached(seats=seats)
    membership = Membership.objects.filter(merchant=merchant, user=user).first()
    if membership is not None and membership.is_active:
        raise Conflict(_("This person is already on the staff."), code="membership_exists")
    if membership is None:
        membership = Membership.objects.create(merchant=merchant, user=user, role=role)
    else:  # someone who left and comes back: same membership (their history stays attached), new role
        membership.role, membership.is_active = role, True
        membership.save(update_fields=["role", "is_active"])
    membership.locations.set(locations or [])
    return membership


def _hash_secret(raw_key: str) -> str:
    # The secret carries 160 random bits, so a fast hash is enough (no dictionary to attack) and keeps the check
    # cheap on every POS request; a slow password hash here would cost milliseconds per call for no gain.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_create(
    *, membership: Membership, name: str, location: Location | None = None, created_by: StaffUser | None = None
) -> tuple[ApiKey, str]:
    """Create a key and return it with the full secret, which is never retrievable again."""
    if location is not None:
        if location.merchant_id != membership.merchant_id:
            raise ValidationFailed(code="location_not_found", field="location")
        allowed = set(membership.locations.values_list("pk", flat=True))
        if allowed and location.pk not in allowed:
            # location_for_actor trusts a key's own location: the key must not reach past its membership.
            raise errors.LocationForbidden(location_id=str(location.pk))

    def insert() -> tuple[ApiKey, str]:
        prefix = random_base32(API_KEY_PREFIX_LENGTH).lower()
        raw = f"sc_{prefix}_{secrets.token_hex(API_KEY_SECRET_BYTES)}"
        key = ApiKey.objects.create(
            merchant_id=membership.merchant_id,
            membership=membership,
            location=location,
            name=name,
            prefix=prefix,
            secret_hash=_hash_secret(raw),
            created_by=created_by,
        )
        return key, raw

    return insert_with_fresh_code(insert, attempts=API_KEY_ATTEMPTS, what="API key prefix")


def _ensure_may_manage_keys_of(*, actor: Actor, membership: Membership) -> None:
    """A manager manages the keys of their own login, an owner everyone's at the merchant."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    if membership.merchant_id != actor.merchant.pk:
        raise errors.ApiKeyNotYours()
    manager = actor.membership is not None and not actor.membership.has_role(Role.OWNER)
    if manager and actor.membership is not None and membership.pk != actor.membership.pk:
        raise errors.ApiKeyNotYours()


def api_key_issue(
    *, actor: Actor, membership: Membership, name: str, location: Location | None = None
) -> tuple[ApiKey, str]:
    """A key created from the panel: ``api_key_create`` behind the role rule of ``_ensure_may_manage_keys_of``.

    Raises ApiKeyNotYours, RoleForbidden, StaffDeactivated (a key for a deactivated login would never work) or
    ValidationFailed; returns the key with its full secret, shown once."""
    _ensure_may_manage_keys_of(actor=actor, membership=membership)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the key a name."), code="api_key_name_required", field="name")
    if not membership.is_active or not membership.user.is_active:
        raise errors.StaffDeactivated()
    if location is not None and not location.is_active:
        raise errors.LocationInactive(location_id=str(location.pk))
    return api_key_create(membership=membership, name=name, location=location, created_by=actor.user)


def api_key_revoke_by(*, actor: Actor, api_key: ApiKey) -> ApiKey:
    """Revoke a key from the panel (same role rule as issuing one). Revoking twice keeps the first time."""
    _ensure_may_manage_keys_of(actor=actor, membership=api_key.membership)
    return api_key_revoke(api_key=api_key)


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
    keycache.api_keys_forget()
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


def api_key_authenticate(*, raw_key: str, channel: Channel = Channel.API) -> Actor:
    """Resolve a presented key to the acting staff member, or raise a NotAuthenticated subclass.

    One query loads the key with its membership, user, merchant (with its subscription, for metering) and location.
    """
    parts = raw_key.strip().split("_")
    if len(parts) != 3 or parts[0] != "sc" or len(parts[1]) != API_KEY_PREFIX_LENGTH or len(parts[2]) != 40:
        raise errors.ApiKeyInvalid()
    key = keycache.api_key_recall(raw_key=raw_key.strip())
    if key is None:
        key = (
            ApiKey.objects.select_related("membership__user", "merchant__subscription", "location")
            .filter(prefix=parts[1])
            .first()
        )
        if key is None or not hmac.compare_digest(key.secret_hash, _hash_secret(raw_key.strip())):
            raise errors.ApiKeyInvalid()
        if key.revoked_at is not None:
            raise errors.ApiKeyRevoked()
        if not key.membership.user.is_active or not key.membership.is_active:
            raise errors.StaffDeactivated()
        _touch_last_used(key)
        keycache.api_key_remember(raw_key=raw_key.strip(), key=key)
    elif _touch_last_used(key):
        keycache.api_key_remember(raw_key=raw_key.strip(), key=key)  # keeps the use just recorded, not a stale one
    membership = key.membership
    return Actor(
        merchant=key.merchant,
        channel=channel,
        user=membership.user,
        membership=membership,
        api_key=key,
        location=key.location,
    )


def _touch_last_used(key: ApiKey) -> bool:
    """Record the key's use unless one was recorded within the resolution; True when it wrote."""
    now = clock.now()
    resolution = timedelta(seconds=settings.STAMPCARD["API_KEY_LAST_USED_RESOLUTION_SECONDS"])
    if key.last_used_at is not None and now - key.last_used_at < resolution:
        return False
    # Conditional so that concurrent requests write once, not once each; the same bound as the check above.
    ApiKey.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - resolution), pk=key.pk).update(
        last_used_at=now
    )
    key.last_used_at = now
    return True


def staff_actor(*, user: object, merchant_id: str | uuid.UUID | None = None, minimum: Role = Role.CASHIER) -> Actor:
    """The signed-in staff member of a session (``request.user``) acting in the panel for one merchant: the one
    ``merchant_id`` names, or else their only one where they hold at least ``minimum``.

    Raises StaffRoleRequired when they hold no such active membership (an anonymous visitor included), and
    MerchantChoiceNeeded when several would do and none was named.
    """
    if not isinstance(user, StaffUser) or not user.is_active:
        raise errors.StaffRoleRequired(required=minimum.value)
    memberships = [
        m
        for m in Membership.objects.select_related("merchant").filter(user=user, is_active=True)
        if m.has_role(minimum) and (not merchant_id or str(m.merchant_id) == str(merchant_id))
    ]
    if not memberships:
        raise errors.StaffRoleRequired(required=minimum.value)
    if len(memberships) > 1:
        raise errors.MerchantChoiceNeeded(merchants=[str(m.merchant_id) for m in memberships])
    membership = memberships[0]
    return Actor(merchant=membership.merchant, channel=Channel.PANEL, user=user, membership=membership)


def ensure_role(*, actor: Actor, minimum: Role) -> None:
    if actor.membership is None:
        if actor.channel == Channel.SYSTEM:
            return
        raise errors.RoleForbidden(required=minimum.value)
    if not actor.membership.has_role(minimum):
        raise errors.RoleForbidden(required=minimum.value, role=actor.membership.role)


def location_for_actor(*, actor: Actor, location_id: str | None) -> Location | None:
    """The location an operation happens at: the one asked for, else the key's own.

    A key bound to one location cannot act for another; a membership limited to some locations neither. Nobody
    acts for a deactivated location (else deactivating one would free a plan's location slot while it kept working).
    """
    if not location_id:
        if actor.location is not None and not actor.location.is_active:
            raise errors.LocationInactive(location_id=str(actor.location.pk))
        return actor.location
    location = selectors.location_get(merchant=actor.merchant, location_id=location_id)
    if actor.location is not None and actor.location.pk != location.pk:
        raise errors.LocationForbidden(location_id=str(location.pk))
    if actor.membership is not None:
        allowed = set(actor.membership.locations.values_list("pk", flat=True))
        if allowed and location.pk not in allowed:
            raise errors.LocationForbidden(location_id=str(location.pk))
    if not location.is_active:
        raise errors.LocationInactive(location_id=str(location.pk))
    return location
