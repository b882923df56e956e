"""Pairing a device with a staff login, authenticating it on every request, its mode, unpairing it.

Passwords are checked by ``django.contrib.auth.authenticate`` only. Attempts are limited per email and per IP by
the shared throttle (``stampcard.core.throttle``); a successful attempt gives its slots back, so only failures
count and a shift pairing several tablets never runs into the limit.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import authenticate
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from stampcard.core import clock
from stampcard.core.errors import ValidationFailed
from stampcard.core.throttle import Limit, Taken, ThrottleExceeded, throttle_give_back, throttle_take
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import Membership, Role, StaffUser
from stampcard.scanner import errors, locks, selectors
from stampcard.scanner.models import DeviceMode, ScannerDevice
from stampcard.scanner.selectors import StaffLocation

TOKEN_PREFIX = "scn_"
TOKEN_BYTES = 32  # 256 bits: a fast hash is enough to store it (nothing to brute-force)
TOKEN_MAX_LENGTH = 100
TICKET_SALT = "stampcard.scanner.pairing-ticket"
TICKET_TTL = timedelta(minutes=10)
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
EMAIL_LIMIT = (10, 15 * 60)  # failed attempts, per seconds
IP_LIMIT = (50, 15 * 60)
DEVICE_LIMIT = (10, 15 * 60)  # failed staff passwords typed on one kiosk


@dataclass(frozen=True)
class Login:
    user: StaffUser
    ticket: str
    locations: list[StaffLocation]


def _digest(purpose: str, value: str) -> str:
    return salted_hmac(f"stampcard.scanner.{purpose}", value, algorithm="sha256").hexdigest()[:40]


def _normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def _credentials_check(
    *, email: str | None, password: str | None, ip: str = "", device: ScannerDevice | None = None
) -> StaffUser | None:
    """The active staff login these credentials belong to, or None. Raises LoginRateLimited past the limits."""
    email = _normalize_email(email)
    if not email or not password:
        return None
    limits = [Limit(f"scanner-login-email:{_digest('email', email)}", *EMAIL_LIMIT)]
    if ip:
        limits.append(Limit(f"scanner-login-ip:{_digest('ip', ip)}", *IP_LIMIT))
    if device is not None:
        limits.append(Limit(f"scanner-login-device:{device.pk}", *DEVICE_LIMIT))
    try:
        taken: list[Taken] = throttle_take(limits=limits)
    except ThrottleExceeded as refused:
        raise errors.LoginRateLimited(retry_after=refused.retry_after) from None
    user = authenticate(None, email=email, password=password)
    if not isinstance(user, StaffUser):
        return None
    throttle_give_back(taken=taken)
    return user


def staff_login(*, email: str, password: str, ip: str = "") -> Login:
    """Check a staff login and hand out a pairing ticket (valid 10 minutes) with the locations it may pair at.

    Raises InvalidCredentials or LoginRateLimited (``retry_after`` seconds)."""
    user = _credentials_check(email=email, password=password, ip=ip)
    if user is None:
        raise errors.InvalidCredentials()
    ticket = signing.dumps(
        {"u": str(user.pk), "h": user.get_session_auth_hash(), "t": int(clock.now().timestamp())}, salt=TICKET_SALT
    )
    return Login(user=user, ticket=ticket, locations=selectors.staff_locations(user=user))


def _ticket_user(ticket: str) -> StaffUser:
    """The staff login a ticket was issued to. Expired after TICKET_TTL, and as soon as the password changes."""
    try:
        data: dict[str, Any] = signing.loads(ticket or "", salt=TICKET_SALT)
        issued, user_id, auth_hash = int(data["t"]), uuid.UUID(data["u"]), str(data["h"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise errors.InvalidTicket() from None
    age = clock.now().timestamp() - issued
    if not 0 <= age < TICKET_TTL.total_seconds():
        raise errors.InvalidTicket()
    user = StaffUser.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not constant_time_compare(user.get_session_auth_hash(), auth_hash):
        raise errors.InvalidTicket()
    return user


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def device_pair(
    *, ticket: str, location_id: str, name: str, mode: str = DeviceMode.MANUAL
) -> tuple[ScannerDevice, str]:
    """Pair a device at one of the ticket holder's locations; returns it with its token, which is shown only now.

    Raises InvalidTicket, NotFound (a location this login may not work at) or ValidationFailed."""
    user = _ticket_user(ticket)
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise ValidationFailed(_("Name the device in 1 to 100 characters."), code="invalid_name", field="name")
    if mode not in DeviceMode.values:
        raise ValidationFailed(code="invalid_mode", field="mode")
    allowed = selectors.staff_location_get(user=user, location_id=location_id)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    device = ScannerDevice.objects.create(
        merchant=allowed.location.merchant,
        location=allowed.location,
        name=name,
        mode=mode,
        token_hash=_token_hash(raw),
        paired_by=allowed.membership,
        paired_at=clock.now(),
    )
    return device, raw


def device_authenticate(*, raw_token: str) -> ScannerDevice:
    """The paired device a token belongs to. Raises DeviceUnpaired for a malformed, unknown or unpaired token, and
    for a device whose staff login, membership or location was deactivated (or taken off the membership)."""
    token = (raw_token or "").strip()
    if not token.startswith(TOKEN_PREFIX) or len(token) > TOKEN_MAX_LENGTH:
        raise errors.DeviceUnpaired()
    device = (
        ScannerDevice.objects.select_related("merchant__subscription", "location", "paired_by__user")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if device is None or device.unpaired_at is not None or not device.location.is_active:
        raise errors.DeviceUnpaired()
    if not selectors.membership_may_work_at(membership=device.paired_by, location=device.location):
        raise errors.DeviceUnpaired()
    _touch_last_seen(device)
    return device


def _touch_last_seen(device: ScannerDevice) -> None:
    now = clock.now()
    if device.last_seen_at is not None and now - device.last_seen_at < LAST_SEEN_RESOLUTION:
        return
    # Conditional, so that a burst of requests writes once rather than once each.
    ScannerDevice.objects.filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lte=now - LAST_SEEN_RESOLUTION), pk=device.pk
    ).update(last_seen_at=now)
    device.last_seen_at = now


def device_actor(device: ScannerDevice, *, self_service: bool = False) -> Actor:
    """Who acts for the device: its pairing staff member, at its location, with no API key. ``self_service``
    operations (a guest scanning their own card) are on the kiosk channel, the others on the scanner channel."""
    membership: Membership = device.paired_by
    return Actor(
        merchant=device.merchant,
        channel=Channel.KIOSK if self_service else Channel.SCANNER,
        user=membership.user,
        membership=membership,
        api_key=None,
        location=device.location,
    )


def _staff_of_device(*, device: ScannerDevice, email: str | None, password: str | None, ip: str) -> StaffUser:
    """A staff member of the device's merchant who may work at its location, confirmed by their password.

    Raises StaffPasswordRequired when the credentials are missing or wrong, LoginRateLimited past the limits."""
    user = _credentials_check(email=email, password=password, ip=ip, device=device)
    if user is None:
        raise errors.StaffPasswordRequired()
    membership = Membership.objects.filter(merchant=device.merchant, user=user).select_related("user").first()
    if membership is None or not selectors.membership_may_work_at(membership=membership, location=device.location):
        raise errors.StaffPasswordRequired()
    return user


def device_mode_change(
    *, device: ScannerDevice, mode: str, email: str | None = None, password: str | None = None, ip: str = ""
) -> ScannerDevice:
    """Switch the device's mode. Leaving kiosk mode needs a staff member's email and password (a guest holds the
    tablet); the other switches need none."""
    if mode not in DeviceMode.values:
        raise ValidationFailed(code="invalid_mode", field="mode")
    if mode == device.mode:
        return device
    if device.mode == DeviceMode.KIOSK:
        _staff_of_device(device=device, email=email, password=password, ip=ip)
    with transaction.atomic():
        locked = locks.device_lock(device_id=device.pk)
        if locked.unpaired_at is not None:
            raise errors.DeviceUnpaired()
        locked.mode = mode
        locked.save(update_fields=["mode"])
    device.mode = mode
    return device


def device_unpair(*, device: ScannerDevice, by: StaffUser | None) -> ScannerDevice:
    """Unpair a device: its token stops working at its next request. Unpairing twice keeps the first record."""
    now = clock.now()
    ScannerDevice.objects.filter(pk=device.pk, unpaired_at__isnull=True).update(unpaired_at=now, unpaired_by=by)
    device.refresh_from_db(fields=["unpaired_at", "unpaired_by"])
    return device


def device_unpair_self(
    *, device: ScannerDevice, email: str | None = None, password: str | None = None, ip: str = ""
) -> ScannerDevice:
    """The device logs itself out. A kiosk needs a staff member's password for it, like any way out of kiosk
    mode (else any guest could unpair the counter's tablet)."""
    by = device.paired_by.user
    if device.mode == DeviceMode.KIOSK:
        by = _staff_of_device(device=device, email=email, password=password, ip=ip)
    return device_unpair(device=device, by=by)


def device_unpair_by_actor(*, actor: Actor, device_id: str | uuid.UUID) -> ScannerDevice:
    """A manager (or owner) unpairs one of the merchant's devices remotely. Raises RoleForbidden or NotFound."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    return device_unpair(device=selectors.device_get(actor=actor, device_id=device_id), by=actor.user)
