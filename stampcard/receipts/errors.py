"""Why a receipt claim cannot be created, collected or voided. Codes are part of the API contract."""

from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import Conflict, NotFound, ValidationFailed


class ReceiptNotFound(NotFound):
    code = "receipt_not_found"
    default_message = _("No receipt claim has this token or code.")


class CheckAlreadyStamped(Conflict):
    code = "check_already_stamped"
    default_message = _("This check was already stamped onto a card at the counter.")


class CheckEarnsNoStamps(ValidationFailed):
    code = "check_earns_no_stamps"
    default_message = _("This check earns no stamps under the program's rule, so it needs no receipt QR.")


class ReceiptNotCollectable(Conflict):
    """The claim gives nothing now. Subclasses say why; the customer page shows their message."""

    code = "receipt_not_collectable"


class ReceiptAlreadyClaimed(ReceiptNotCollectable):
    code = "receipt_already_claimed"
    default_message = _("This receipt's stamps were already collected.")


class ReceiptExpired(ReceiptNotCollectable):
    code = "receipt_expired"
    default_message = _("This receipt's QR has expired.")


class ReceiptVoided(ReceiptNotCollectable):
    code = "receipt_voided"
    default_message = _("The shop withdrew this receipt, so it gives no stamps.")


class ReceiptCardNotInProgram(ReceiptNotCollectable):
    code = "receipt_card_not_in_program"
    default_message = _("This card belongs to another loyalty program than the receipt.")


class ReceiptTokenUnavailable(Conflict):
    code = "receipt_token_unavailable"
    default_message = _(
        "This claim was made under a secret key the server no longer has, so its QR cannot be printed again. "
        "It still works when scanned."
    )
