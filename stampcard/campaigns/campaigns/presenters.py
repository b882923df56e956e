"""Campaigns as the API and the panel show them."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from stampcard.campaigns.campaigns import results as campaign_results
from stampcard.campaigns.campaigns.models import Campaign, CampaignState
from stampcard.campaigns.messages.models import MessageState

# The state a person reads: a campaign whose message has gone to everyone is "sent".
SENT = "sent"
STATE_LABELS = {**dict(CampaignState.choices), SENT: _("Sent")}


def shown_state(campaign: Campaign) -> str:
    message = campaign.message
    if campaign.state == CampaignState.SENDING and message is not None and message.state == MessageState.DONE:
        return SENT
    return campaign.state


def _group(group: campaign_results.GroupResult | None) -> dict[str, int] | None:
    if group is None:
        return None
    return {"size": group.size, "opened_card": group.opened, "visited": group.visited, "redeemed": group.redeemed}


def results_payload(outcome: campaign_results.Results) -> dict[str, Any]:
    return {
        "audience": outcome.audience,
        "pending": outcome.pending,
        "delivered": outcome.delivered,
        "failed": outcome.failed,
        "skipped": outcome.skipped,
        "reasons": outcome.reasons,
        "vouchers_issued": outcome.vouchers_issued,
        "days": outcome.days,
        "recipients": _group(outcome.recipients),
        "holdout": _group(outcome.holdout),
        "visited_lift_points": outcome.visited_lift,
        "redeemed_lift_points": outcome.redeemed_lift,
    }


def campaign_payload(campaign: Campaign, *, with_results: bool = False) -> dict[str, Any]:
    return {
        "id": str(campaign.pk),
        "name": campaign.name,
        "state": shown_state(campaign),
        "audience": campaign.audience,
        "channels": campaign.channels,
        "parts": campaign.parts,
        "voucher_title": campaign.voucher_title,
        "voucher_days": campaign.voucher_days,
        "holdout_percent": campaign.holdout_percent,
        "results_days": campaign.results_days,
        "scheduled_at": campaign.scheduled_at,
        "sent_at": campaign.sent_at,
        "cancelled_at": campaign.cancelled_at,
        "created_at": campaign.created_at,
        "results": results_payload(campaign_results.campaign_results(campaign=campaign)) if with_results else None,
    }
