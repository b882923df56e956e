"""Refusals of campaign writes, with stable codes."""

from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import Conflict, ValidationFailed


class CampaignInvalid(ValidationFailed):
    code = "campaign_invalid"


class CampaignNotEditable(Conflict):
    code = "campaign_not_editable"
    default_message = _("This campaign has started: it can no longer be changed.")


class CampaignNotSendable(Conflict):
    code = "campaign_not_sendable"
    default_message = _("Only a draft or a scheduled campaign can be sent.")


class CampaignNotCancellable(Conflict):
    code = "campaign_not_cancellable"
    default_message = _("This campaign is already cancelled or finished.")
