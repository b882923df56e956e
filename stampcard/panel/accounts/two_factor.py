"""Optional two-factor sign-in (TOTP apps, one-time backup codes) on django-otp's devices.

A login with a confirmed device signs in in two steps: the password form leaves only a pending mark in the session
(``SESSION_PENDING``, no login yet); the code step logs in and records the device in the session the django-otp
way (``django_otp.login``), which OTPMiddleware reads back as ``request.user.is_verified()``. ``panel_view`` refuses a
session of a login with a device that was not verified so (``access.second_factor_missing``).
"""

import base64

import segno
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from stampcard.core import clock
from stampcard.core.throttle import Limit, Taken, throttle_give_back, throttle_take
from stampcard.merchants.models import StaffUser
from stampcard.panel.accounts.forms import _digest

SESSION_PENDING = "panel_2fa_pending"
PENDING_SECONDS = 10 * 60
BACKUP_CODES = 10
# Codes tried per login and per IP: six digits are guessed in a million tries, not in these.
CODE_ATTEMPTS_PER_USER = (5, 15 * 60)
CODE_ATTEMPTS_PER_IP = (30, 15 * 60)
APP_DEVICE_NAME = "app"
BACKUP_DEVICE_NAME = "backup"


def second_factor_on(user: StaffUser) -> bool:
    return user_has_device(user, confirmed=True)


def totp_setup_start(*, user: StaffUser) -> TOTPDevice:
    """A fresh unconfirmed app device (an earlier unfinished one is dropped): its secret goes into the QR."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def totp_pending(*, user: StaffUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR for the authenticator app to scan."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#111827")


def totp_secret(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app that cannot scan."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def totp_confirm(*, user: StaffUser, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the app device with a code it shows; returns the new backup codes (shown once), None if wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return backup_codes_replace(user=user)


@transaction.atomic
def backup_codes_replace(*, user: StaffUser) -> list[str]:
    """New backup codes; the old ones stop working. Only their values in the database are kept, as django-otp does."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def backup_codes_left(*, user: StaffUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def two_factor_disable(*, user: StaffUser) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def code_verify(*, user: StaffUser, code: str, ip: str) -> object | None:
    """The device (app or backup codes) that accepts ``code``, or None. Raises ThrottleExceeded past the limits;
    a right code gives its slots back, so only wrong ones count (django-otp's own per-device delay adds to it)."""
    taken = _take(user=user, ip=ip)
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(code):
                throttle_give_back(taken=taken)
                return device
    return None


def _take(*, user: StaffUser, ip: str) -> list[Taken]:
    limits = [Limit(f"panel-2fa-user:{user.pk}", *CODE_ATTEMPTS_PER_USER)]
    if ip:
        limits.append(Limit(f"panel-2fa-ip:{_digest('ip', ip)}", *CODE_ATTEMPTS_PER_IP))
    return throttle_take(limits=limits)


def pending_mark(*, user: StaffUser, backend: str, next_url: str) -> dict[str, object]:
    return {"user": str(user.pk), "backend": backend, "next": next_url, "at": clock.now().timestamp()}


def pending_user(mark: object) -> tuple[StaffUser, str, str] | None:
    """The login, its auth backend and where to go next, from a pending mark still fresh enough."""
    if not isinstance(mark, dict):
        return None
    if clock.now().timestamp() - float(mark.get("at") or 0) > PENDING_SECONDS:
        return None
    user_id = mark.get("user")
    if not isinstance(user_id, str):
        return None
    user = StaffUser.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    return user, str(mark.get("backend") or ""), str(mark.get("next") or "")


def totp_device(*, user: StaffUser) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)
