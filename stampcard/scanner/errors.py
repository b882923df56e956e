"""Refusals of the scanner API. The codes are public contract (docs/scanner.md)."""

from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import Conflict, LimitReached, NotAuthenticated, NotFound, PermissionDenied


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    default_message = _("The email or the password is wrong.")


class LoginRateLimited(LimitReached):
    code = "rate_limited"
    default_message = _("Too many login attempts. Wait a little and try again.")


class InvalidTicket(NotAuthenticated):
    code = "invalid_ticket"
    default_message = _("The login has expired. Log in again.")


class DeviceUnpaired(NotAuthenticated):
    code = "device_unpaired"
    default_message = _("This device is no longer paired. Log in with a staff account to pair it again.")


class NotAllowedInMode(PermissionDenied):
    code = "not_allowed_in_mode"
    default_message = _("This is not possible in the device's current mode.")


class StaffPasswordRequired(PermissionDenied):
    code = "staff_password_required"
    default_message = _("A staff member's email and password are needed to leave the self-service mode.")


class DeviceRateLimited(LimitReached):
    code = "device_rate_limited"
    default_message = _("Too many scans in a short time. Wait a moment and scan again.")


class VoucherCooldown(Conflict):
    code = "voucher_cooldown"
    default_message = _("A voucher was just redeemed on this card. Wait a little before the next one.")


class DeviceNotFound(NotFound):
    code = "device_not_found"
    default_message = _("No such scanner device.")


class AlertNotFound(NotFound):
    code = "alert_not_found"
    default_message = _("No such alert.")
