from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


class PosterAccountTaken(Conflict):
    code = "poster_account_taken"
    default_message = _("This Poster account is already connected to another business.")


class PosterAccountNotFound(NotFound):
    code = "poster_account_not_found"
    default_message = _("This Poster account is not connected.")


class PosterSpotNotFound(NotFound):
    code = "poster_spot_not_found"
    default_message = _("This Poster spot is not known.")


class PosterConnectInvalid(PermissionDenied):
    code = "poster_connect_invalid"
    default_message = _("This Poster connection link is invalid or has expired. Start connecting again.")


class PosterAccountInvalid(ValidationFailed):
    code = "poster_account_invalid"
    default_message = _("Poster sent an account name we cannot use.")


class PosterAccountNotConnected(Conflict):
    code = "poster_account_not_connected"
    default_message = _("This Poster account is not connected: connect Poster again first.")
