from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import Conflict, ValidationFailed


class CurrencyMismatch(ValidationFailed):
    code = "currency_mismatch"
    default_message = _("The check's currency differs from the merchant's currency.")


class CheckBelongsToAnotherCard(Conflict):
    code = "check_belongs_to_another_card"
    default_message = _("This check was already committed to another card.")


class CardAlreadyEnrolled(Conflict):
    code = "card_exists"
    default_message = _("This customer already has a card in this program.")


class InsufficientStamps(Conflict):
    code = "insufficient_stamps"
    default_message = _("The card does not hold that many stamps.")


class CardNumberTaken(Conflict):
    code = "card_number_taken"
    default_message = _("Another card already has this number.")
