from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import Conflict, LimitReached, NotAuthenticated, NotFound, PermissionDenied


class PlanLimitReached(LimitReached):
    code = "plan_limit_reached"
    default_message = _(
        "The monthly card operations of your plan are used up. Upgrade the plan or wait for next month."
    )


class SeatLimitReached(LimitReached):
    code = "plan_seat_limit_reached"
    default_message = _("All staff seats of your plan are taken.")


class LocationLimitReached(LimitReached):
    code = "plan_location_limit_reached"
    default_message = _("Your plan covers no more locations.")


class ApiKeyInvalid(NotAuthenticated):
    code = "api_key_invalid"
    default_message = _("The API key is not valid.")


class ApiKeyRevoked(NotAuthenticated):
    code = "api_key_revoked"
    default_message = _("The API key was revoked.")


class StaffDeactivated(NotAuthenticated):
    code = "staff_deactivated"
    default_message = _("The staff login this key belongs to is deactivated.")


class RoleForbidden(PermissionDenied):
    code = "role_forbidden"
    default_message = _("Your role does not allow this operation.")


class LocationForbidden(PermissionDenied):
    code = "location_forbidden"
    default_message = _("This key cannot act for that location.")


class LocationInactive(PermissionDenied):
    code = "location_inactive"
    default_message = _("This location is deactivated.")


class StaffRoleRequired(PermissionDenied):
    code = "staff_role_required"
    default_message = _("Your staff role at this business does not allow this.")


class MerchantChoiceNeeded(PermissionDenied):
    code = "merchant_choice_needed"
    default_message = _("You work for several businesses: choose one.")


class CurrencyInUse(Conflict):
    code = "currency_in_use"
    default_message = _(
        "The currency cannot change: checks in %(currency)s are recorded already, and their amounts would read in the "
        "wrong money."
    )

    def __init__(self, *, currency: str) -> None:
        super().__init__(self.default_message % {"currency": currency}, currency=currency)


class ApiKeyNotYours(PermissionDenied):
    code = "api_key_not_yours"
    default_message = _("A manager manages only the keys of their own staff login; an owner manages everyone's.")


class InvitationInvalid(NotFound):
    code = "invitation_invalid"
    default_message = _("This invitation link is not valid: it was used, withdrawn or mistyped. Ask for a new one.")


class InvitationExpired(Conflict):
    code = "invitation_expired"
    default_message = _("This invitation has expired. Ask the owner to invite you again.")


class InvitationForSomeoneElse(PermissionDenied):
    code = "invitation_for_someone_else"
    default_message = _("This invitation was sent to another email address. Sign out and open the link again.")


class LastOwner(Conflict):
    code = "last_owner"
    default_message = _("A business keeps at least one active owner: make someone else owner first.")
