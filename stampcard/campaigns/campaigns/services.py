"""Writes of campaigns: write or change a draft, send it now or at a time, stop it, try it on oneself.

Owners and managers only (RoleForbidden below). Every write here is rows only; the work runs in the worker after
the commit (``tasks``), so nothing is sent from a web request and a rolled-back write sends nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stampcard.campaigns.audiences import rules
from stampcard.campaigns.campaigns import selectors, tasks
from stampcard.campaigns.campaigns.errors import (
    CampaignInvalid,
    CampaignNotCancellable,
    CampaignNotEditable,
    CampaignNotSendable,
)
from stampcard.campaigns.campaigns.models import Campaign, CampaignState
from stampcard.campaigns.messages import limits
from stampcard.campaigns.messages import services as messages_services
from stampcard.campaigns.messages.models import MessageState
from stampcard.cards.models import Program
from stampcard.core import clock
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Location, Role
from stampcard.merchants.services import ensure_role

MAX_HOLDOUT = 50
MAX_RESULTS_DAYS = 90
MAX_VOUCHER_DAYS = 365
# A scheduled time must leave the scheduler (a minutely task) a moment; earlier means "now".
MIN_SCHEDULE_AHEAD = timedelta(minutes=1)


@dataclass(frozen=True)
class CampaignInput:
    """What a merchant writes in a campaign; ``campaign_input_clean`` checks it."""

    name: str
    audience: Any
    channels: list[str]
    parts: dict[str, Any]
    voucher_title: str = ""
    voucher_description: str = ""
    voucher_days: int | None = None
    holdout_percent: int = 0
    results_days: int = 14


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def campaign_input_clean(*, actor: Actor, data: CampaignInput) -> dict[str, Any]:
    """The fields to store, or a typed refusal naming the field (CampaignInvalid, AudienceInvalid, MessageInvalid)."""
    name = " ".join((data.name or "").split())
    if not name or len(name) > 100:
        raise CampaignInvalid(_("Give the campaign a name of 1 to 100 characters."), field="name")
    audience = rules.rule_clean(data.audience, languages=languages())
    for ref in rules.references(audience):
        model = Program if ref.kind == "program" else Location
        try:
            found = model.objects.filter(merchant=actor.merchant, pk=ref.value).exists()
        except (ValueError, TypeError, Exception):  # noqa: BLE001 - a malformed id is just "not yours"
            found = False
        if not found:
            raise rules.AudienceInvalid(_("This program or location is not one of yours."), field="audience")
    channels = limits.channels_check(list(data.channels or []))
    parts = limits.message_parts_check(data.parts or {}, channels=channels)
    title = " ".join((data.voucher_title or "").split())
    if len(title) > 100:
        raise CampaignInvalid(_("A voucher title has at most 100 characters."), field="voucher_title")
    days = data.voucher_days
    if title and days is not None and not 1 <= days <= MAX_VOUCHER_DAYS:
        raise CampaignInvalid(
            _("A voucher is valid for 1 to %(max)d days.") % {"max": MAX_VOUCHER_DAYS}, field="voucher_days"
        )
    if not 0 <= data.holdout_percent <= MAX_HOLDOUT:
        raise CampaignInvalid(
            _("Hold out between 0%% and %(max)d%% of the audience.") % {"max": MAX_HOLDOUT}, field="holdout_percent"
        )
    if not 1 <= data.results_days <= MAX_RESULTS_DAYS:
        raise CampaignInvalid(
            _("Count visits for 1 to %(max)d days after sending.") % {"max": MAX_RESULTS_DAYS}, field="results_days"
        )
    return {
        "name": name,
        "audience": audience,
        "channels": channels,
        "parts": parts,
        "voucher_title": title,
        "voucher_description": (data.voucher_description or "").strip() if title else "",
        "voucher_days": days if title else None,
        "holdout_percent": data.holdout_percent,
        "results_days": data.results_days,
    }


def campaign_create(*, actor: Actor, data: CampaignInput) -> Campaign:
    ensure_role(actor=actor, minimum=Role.MANAGER)
    fields = campaign_input_clean(actor=actor, data=data)
    return Campaign.objects.create(merchant=actor.merchant, created_by=actor.user, **fields)


@transaction.atomic
def campaign_update(*, actor: Actor, campaign_id: Any, data: CampaignInput) -> Campaign:
    """Change a draft or a scheduled campaign (its schedule stays)."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    campaign = selectors.campaign_get(merchant=actor.merchant, campaign_id=campaign_id, lock=True)
    if campaign.state not in (CampaignState.DRAFT, CampaignState.SCHEDULED):
        raise CampaignNotEditable()
    fields = campaign_input_clean(actor=actor, data=data)
    for key, value in fields.items():
        setattr(campaign, key, value)
    campaign.save(update_fields=list(fields))
    return campaign


@transaction.atomic
def campaign_send(*, actor: Actor, campaign_id: Any, at: datetime | None = None) -> Campaign:
    """Send now (``at`` None or not in the future) or schedule for ``at``; a scheduled campaign may be moved or sent
    now. The worker takes over after the commit (``tasks.campaign_prepare``) or when ``at`` comes (the scheduler)."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    campaign = selectors.campaign_get(merchant=actor.merchant, campaign_id=campaign_id, lock=True)
    if campaign.state not in (CampaignState.DRAFT, CampaignState.SCHEDULED):
        raise CampaignNotSendable()
    now = clock.now()
    if at is not None and (at.tzinfo is None or at.utcoffset() is None):
        raise CampaignInvalid(_("A sending time needs a time zone."), field="scheduled_at")
    if at is not None and at > now + MIN_SCHEDULE_AHEAD:
        campaign.state, campaign.scheduled_at = CampaignState.SCHEDULED, at
        campaign.save(update_fields=["state", "scheduled_at"])
        return campaign
    campaign.state, campaign.started_at, campaign.heartbeat_at = CampaignState.PREPARING, now, now
    campaign.save(update_fields=["state", "started_at", "heartbeat_at"])
    pk = campaign.pk
    transaction.on_commit(lambda: tasks.campaign_prepare_soon(pk))
    return campaign


@transaction.atomic
def campaign_cancel(*, actor: Actor, campaign_id: Any) -> Campaign:
    """Stop a campaign that is not finished: a draft or a scheduled one never goes out; one being prepared stops at its
    next batch; of one being sent, what is not sent yet is skipped. Vouchers already issued stay in their cards."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    campaign = selectors.campaign_get(merchant=actor.merchant, campaign_id=campaign_id, lock=True)
    message = campaign.message
    finished = campaign.state == CampaignState.SENDING and (message is None or message.state == MessageState.DONE)
    if campaign.state == CampaignState.CANCELLED or finished:
        raise CampaignNotCancellable()
    if message is not None and message.state in (MessageState.DRAFT, MessageState.SENDING):
        messages_services.message_cancel(message=message)
    campaign.state, campaign.cancelled_at = CampaignState.CANCELLED, clock.now()
    campaign.save(update_fields=["state", "cancelled_at"])
    return campaign


def campaign_test_send(*, actor: Actor, campaign_id: Any, language: str = "") -> str:
    """Send the campaign's email to the staff member's own address (after the commit, from the worker); it counts in
    no result. Returns the address. ``language`` picks the text (the merchant's language by default)."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    campaign = selectors.campaign_get(merchant=actor.merchant, campaign_id=campaign_id)
    address = actor.user.email if actor.user is not None else ""
    if not address:
        raise CampaignInvalid(_("Your login has no email address to send the test to."), field="email")
    if language and language not in languages():
        raise CampaignInvalid(_("Choose English or Ukrainian."), field="language")
    pk = campaign.pk
    transaction.on_commit(lambda: tasks.campaign_test_send_soon(pk, address, language))
    return address
