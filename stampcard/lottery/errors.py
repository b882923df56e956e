from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import Conflict, NotFound, ValidationFailed


class LotteryNotFound(NotFound):
    code = "lottery_not_found"
    default_message = _("No such lottery.")


class LotteryDrawNotFound(NotFound):
    code = "lottery_draw_not_found"
    default_message = _("No such lottery draw.")


class LotteryInvalid(ValidationFailed):
    code = "lottery_invalid"
    default_message = _("The lottery is not set up correctly.")


class LotteryProbabilitiesNotExact(ValidationFailed):
    code = "lottery_probabilities_not_100"
    default_message = _("The probabilities of the lottery's prizes must total exactly 100%.")


class LotteryRewardNotReady(Conflict):
    code = "lottery_reward_not_ready"
    default_message = _("This reward is not a lottery draw waiting to be spun.")


class LotteryUnavailable(Conflict):
    code = "lottery_unavailable"
    default_message = _("The lottery of this reward no longer exists.")


class LotteryFrozen(Conflict):
    code = "lottery_frozen"
    default_message = _("The prizes of a lottery cannot change once it has draws; create a new lottery instead.")
