from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import Conflict


class RewardAlreadyHandedOver(Conflict):
    code = "reward_already_handed_over"
    default_message = _("This reward was already handed over.")


class RewardWithdrawn(Conflict):
    code = "reward_withdrawn"
    default_message = _("This reward was withdrawn because its check was reversed.")
