from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import PermissionDenied


class PosterSignatureMissing(PermissionDenied):
    code = "poster_signature_missing"
    default_message = _("This request must come from the Poster register (Poster.makeRequest): it is not signed.")


class PosterSignatureInvalid(PermissionDenied):
    code = "poster_signature_invalid"
    default_message = _("The Poster signature of this request is not valid.")


class PosterSignatureExpired(PermissionDenied):
    code = "poster_signature_expired"
    default_message = _("The Poster signature of this request is too old or from the future.")


class PosterAccountMismatch(PermissionDenied):
    code = "poster_account_mismatch"
    default_message = _("This API key belongs to another business than this Poster account.")
