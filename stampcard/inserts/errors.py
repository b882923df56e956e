from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import Conflict, LimitReached, NotFound, ValidationFailed


class InsertBatchNotFound(NotFound):
    code = "insert_batch_not_found"
    default_message = _("No such insert batch.")


class InsertNotFound(NotFound):
    code = "insert_not_found"
    default_message = _("No such insert.")


class InsertBatchInvalid(ValidationFailed):
    code = "insert_batch_invalid"
    default_message = _("The insert batch is invalid.")


class InsertAlreadyUsed(Conflict):
    """Someone (another card) already collected this insert."""

    code = "insert_already_used"
    default_message = _("This insert was already used.")


class InsertBatchAlreadyClaimed(Conflict):
    """The customer collected another insert of the same batch: one benefit per customer per campaign."""

    code = "insert_batch_already_claimed"
    default_message = _("You already got the gift of this campaign with another insert.")


class InsertWrongProgram(Conflict):
    code = "insert_wrong_program"
    default_message = _("This insert is for another card of this shop.")


class InsertClaimsLimited(LimitReached):
    code = "insert_claims_limited"
    default_message = _("Too many tries from this network. Please try again in a few minutes.")
