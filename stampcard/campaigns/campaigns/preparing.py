"""The worker's part of starting a campaign: fix its audience, issue the vouchers, hand the message out.

``campaign_prepare`` runs in steps that each commit on their own and are each safe to run again, so a worker killed
anywhere leaves a campaign that the next run (the sweep in ``tasks``) finishes without doing anything twice:

1. the audience becomes ``CampaignRecipient`` rows in one transaction (all or none), each drawn into the holdout or
   not (``holdout``, deterministic per card);
2. each recipient's voucher is issued in the same transaction that records it on the recipient's locked row, so a
   second run, or two at once, finds it there and issues none;
3. the message is made once (under the campaign's lock), the recipients outside the holdout are added to it (its
   unique constraints settle repeats) and it starts sending; from then on the messages sender owns the deliveries.
"""

import logging
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from stampcard.campaigns.audiences.query import audience_cards
from stampcard.campaigns.campaigns import holdout
from stampcard.campaigns.campaigns.models import Campaign, CampaignRecipient, CampaignState
from stampcard.campaigns.messages import services as messages_services
from stampcard.campaigns.messages.models import MessageState
from stampcard.cards.models import Card
from stampcard.core import clock
from stampcard.core.errors import ApplicationError
from stampcard.core.validity import Validity
from stampcard.merchants.actors import Actor, Channel
from stampcard.vouchers import services as vouchers_services

logger = logging.getLogger(__name__)

CHUNK = 1000
VOUCHER_BATCH = 100


def _actor(campaign: Campaign) -> Actor:
    return Actor(merchant=campaign.merchant, channel=Channel.SYSTEM, user=campaign.created_by)


def _still_preparing(campaign_id: Any) -> bool:
    return Campaign.objects.filter(pk=campaign_id, state=CampaignState.PREPARING).exists()


def _beat(campaign_id: Any) -> None:
    Campaign.objects.filter(pk=campaign_id).update(heartbeat_at=clock.now())


def recipients_fix(campaign: Campaign) -> int:
    """Step 1: the audience as it is now, once. Returns the number of recipients."""
    existing = CampaignRecipient.objects.filter(campaign=campaign)
    if existing.exists():
        return existing.count()
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if CampaignRecipient.objects.filter(campaign=locked).exists():  # another run got here first
            return CampaignRecipient.objects.filter(campaign=locked).count()
        cards = audience_cards(merchant=campaign.merchant, rule=campaign.audience).order_by("pk")
        chunk: list[CampaignRecipient] = []
        total = 0
        for card_id in cards.values_list("pk", flat=True).iterator(chunk_size=CHUNK):
            chunk.append(
                CampaignRecipient(
                    merchant_id=campaign.merchant_id,
                    campaign_id=campaign.pk,
                    card_id=card_id,
                    holdout=holdout.is_held_out(
                        campaign_id=campaign.pk, card_id=card_id, percent=campaign.holdout_percent
                    ),
                )
            )
            if len(chunk) >= CHUNK:
                CampaignRecipient.objects.bulk_create(chunk)
                total += len(chunk)
                chunk.clear()
        if chunk:
            CampaignRecipient.objects.bulk_create(chunk)
            total += len(chunk)
    return total


def _voucher_issue_one(campaign: Campaign, recipient_id: int, actor: Actor) -> bool:
    """Issue the voucher of one recipient unless it has one; True when this call issued it."""
    with transaction.atomic():
        recipient = (
            CampaignRecipient.objects.select_for_update(of=("self",)).select_related("card").get(pk=recipient_id)
        )
        if recipient.voucher_id is not None or recipient.voucher_problem:
            return False
        validity = Validity(days=campaign.voucher_days) if campaign.voucher_days else None
        try:
            with transaction.atomic():
                (voucher,) = vouchers_services.voucher_issue(
                    actor=actor,
                    card=recipient.card,
                    title=campaign.voucher_title,
                    description=campaign.voucher_description,
                    validity=validity,
                )
        except ApplicationError as refusal:  # a plan limit reached, a card merged away meanwhile…
            recipient.voucher_problem = refusal.code[:64]
            recipient.save(update_fields=["voucher_problem"])
            logger.info("campaign %s: no voucher for card %s (%s)", campaign.pk, recipient.card_id, refusal.code)
            return False
        recipient.voucher = voucher
        recipient.save(update_fields=["voucher"])
        return True


def vouchers_issue(campaign: Campaign) -> int:
    """Step 2: a voucher for each recipient outside the holdout that has none yet. Returns how many were issued."""
    if not campaign.voucher_title:
        return 0
    actor = _actor(campaign)
    issued = 0
    after = 0
    while True:
        batch = list(
            CampaignRecipient.objects.filter(
                campaign=campaign, holdout=False, voucher__isnull=True, voucher_problem="", pk__gt=after
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:VOUCHER_BATCH]
        )
        if not batch or not _still_preparing(campaign.pk):
            return issued
        for recipient_id in batch:
            issued += _voucher_issue_one(campaign, recipient_id, actor)
        after = batch[-1]
        _beat(campaign.pk)


def message_parts(campaign: Campaign) -> dict[str, dict[str, str]]:
    """The campaign's texts, each ending with a line about the voucher (in its own language) when there is one: the
    voucher itself is in the customer's card, where the cashier finds it, and each recipient's email shows its code,
    expiry and link below the text (``messages.vouchers``)."""
    if not campaign.voucher_title:
        return campaign.parts
    parts = {}
    for lang, part in campaign.parts.items():
        with translation.override(lang):
            note = _("A voucher is waiting for you in your card: %(title)s.") % {"title": campaign.voucher_title}
        parts[lang] = {**part, "text": f"{part['text']}\n\n{note}"}
    return parts


def message_hand_out(campaign: Campaign) -> None:
    """Step 3: the campaign's message, made once, given the recipients outside the holdout, and started."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.message_id is None:
            locked.message = messages_services.message_create(
                actor=_actor(campaign), channels=locked.channels, parts=message_parts(locked), source="campaign"
            )
            locked.save(update_fields=["message"])
        message = locked.message
    assert message is not None
    if message.state == MessageState.DRAFT:
        recipients = CampaignRecipient.objects.filter(campaign=campaign, holdout=False)
        cards = Card.objects.filter(pk__in=recipients.values("card_id"), merchant=campaign.merchant).only(
            "pk", "merchant_id", "customer_id"
        )
        vouchers = dict(recipients.filter(voucher__isnull=False).values_list("card_id", "voucher_id"))
        messages_services.message_recipients_add(
            message=message, cards=cards.iterator(chunk_size=CHUNK), vouchers=vouchers
        )
    with transaction.atomic():
        locked = Campaign.objects.select_for_update(of=("self",)).select_related("message").get(pk=campaign.pk)
        if locked.state != CampaignState.PREPARING:
            return
        if locked.message is not None and locked.message.state == MessageState.DRAFT:
            messages_services.message_send_start(message=locked.message)
        now = clock.now()
        locked.state, locked.sent_at, locked.heartbeat_at = CampaignState.SENDING, now, now
        locked.save(update_fields=["state", "sent_at", "heartbeat_at"])


def campaign_prepare(campaign_id: Any) -> str:
    """Run the steps of a campaign being prepared; returns the state it is left in. A no-op for any other state."""
    campaign = Campaign.objects.select_related("merchant", "created_by").filter(pk=campaign_id).first()
    if campaign is None or campaign.state != CampaignState.PREPARING:
        return campaign.state if campaign else "missing"
    _beat(campaign.pk)
    recipients_fix(campaign)
    _beat(campaign.pk)
    vouchers_issue(campaign)
    if not _still_preparing(campaign.pk):
        return CampaignState.CANCELLED
    message_hand_out(campaign)
    return Campaign.objects.values_list("state", flat=True).get(pk=campaign.pk)
