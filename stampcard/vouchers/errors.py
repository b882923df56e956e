"""Voucher refusals. The codes are public contract (DESIGN.md §5)."""

from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import Conflict, LimitReached, NotFound, ValidationFailed


class VoucherNotFound(NotFound):
    """Unknown code, or another merchant's: the same answer, on purpose."""

    code = "voucher_not_found"
    default_message = _("No voucher has this code.")


class VoucherBatchNotFound(NotFound):
    code = "voucher_batch_not_found"
    default_message = _("No such voucher batch.")


class VoucherAlreadyRedeemed(Conflict):
    code = "voucher_already_redeemed"
    default_message = _("This voucher was already redeemed.")


class VoucherExpired(Conflict):
    code = "voucher_expired"
    default_message = _("This voucher has expired.")


class VoucherCancelled(Conflict):
    code = "voucher_cancelled"
    default_message = _("This voucher was cancelled.")


class VoucherNotYetValid(Conflict):
    code = "voucher_not_yet_valid"
    default_message = _("This voucher is not valid yet.")


class VoucherAlreadyClaimed(Conflict):
    code = "voucher_already_claimed"
    default_message = _("This voucher is already in a card.")


class VoucherCodeTaken(Conflict):
    code = "voucher_code_taken"
    default_message = _("Another voucher already has this code.")


class VoucherNothingToDiscount(Conflict):
    """A discount voucher redeemed against a check with nothing to take off: it stays usable."""

    code = "voucher_nothing_to_discount"
    default_message = _(
        "This voucher takes money off the check, and the check has nothing to pay yet: add the items first."
    )


class VoucherInvalidInput(ValidationFailed):
    code = "voucher_invalid"


class VoucherLookupsLimited(LimitReached):
    code = "voucher_rate_limited"
    default_message = _("Too many voucher codes were tried. Wait a little and try again.")
