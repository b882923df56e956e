"""Background work of campaigns (``stampcard worker``): preparing one, the scheduler, and test emails."""

import logging
from datetime import timedelta
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django_tasks import task

from stampcard.campaigns.campaigns import preparing, test_email
from stampcard.campaigns.campaigns.models import Campaign, CampaignState
from stampcard.campaigns.campaigns.results import campaign_results
from stampcard.campaigns.messages.models import MessageState
from stampcard.campaigns.webhooks import services as webhooks_services
from stampcard.core import clock

logger = logging.getLogger(__name__)

# A campaign being prepared with no batch recorded for this long has no live worker on it: the sweep queues another.
STALLED_AFTER = timedelta(minutes=2)
DUE_BATCH = 100


@task()
def campaign_prepare(campaign_id: str) -> str:
    return preparing.campaign_prepare(campaign_id)


def campaign_prepare_soon(campaign_id: Any) -> None:
    """Queue the preparing now (after the commit that started it); the sweep catches up if the queue is down."""
    try:
        campaign_prepare.enqueue(campaign_id=str(campaign_id))
    except Exception:
        logger.exception("could not queue campaign %s; the sweep will", campaign_id)


def campaigns_start_due() -> list[str]:
    """Move every scheduled campaign whose time has come to ``preparing`` and queue it; returns their ids.

    Several schedulers at once start each campaign once: the candidates are read ``FOR UPDATE SKIP LOCKED`` (on
    PostgreSQL; SQLite has one writer at a time) and moved by an UPDATE that re-checks the state, so a campaign
    another run already took is left out whatever the database."""
    now = clock.now()
    started: list[str] = []
    with transaction.atomic():
        due = list(
            Campaign.objects.filter(state=CampaignState.SCHEDULED, scheduled_at__lte=now)
            .order_by("scheduled_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:DUE_BATCH]
        )
        for campaign_id in due:
            moved = Campaign.objects.filter(pk=campaign_id, state=CampaignState.SCHEDULED).update(
                state=CampaignState.PREPARING, started_at=now, heartbeat_at=now
            )
            if moved:
                started.append(str(campaign_id))
        transaction.on_commit(lambda: _prepare_all_soon(started))
    return started


def _prepare_all_soon(campaign_ids: list[str]) -> None:
    for campaign_id in campaign_ids:
        campaign_prepare_soon(campaign_id)


def campaigns_resume_stalled() -> list[str]:
    """Queue the preparing again for campaigns whose worker died on it (idempotent steps: see ``preparing``)."""
    now = clock.now()
    stalled = [
        str(pk)
        for pk in Campaign.objects.filter(state=CampaignState.PREPARING)
        .filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - STALLED_AFTER))
        .values_list("pk", flat=True)
    ]
    for campaign_id in stalled:
        campaign_prepare_soon(campaign_id)
    return stalled


def campaigns_announce_sent() -> list[str]:
    """Raise ``campaign.sent`` (outbound webhooks) for every campaign whose message has gone to everyone; returns
    their ids. Once per campaign whatever the number of workers: ``announced_at`` is set by an UPDATE that re-checks
    it is empty, in the transaction that raises the event."""
    announced: list[str] = []
    finished = Campaign.objects.filter(
        state=CampaignState.SENDING, announced_at__isnull=True, message__state=MessageState.DONE
    ).select_related("merchant", "message")
    for campaign in finished[:DUE_BATCH]:
        with transaction.atomic():
            if not Campaign.objects.filter(pk=campaign.pk, announced_at__isnull=True).update(announced_at=clock.now()):
                continue
            results = campaign_results(campaign=campaign)
            webhooks_services.event_emit(
                merchant=campaign.merchant,
                event="campaign.sent",
                key=f"campaign.sent:{campaign.pk}",
                data={
                    "campaign": {"id": str(campaign.pk), "name": campaign.name},
                    "recipients": campaign.recipients.filter(holdout=False).count(),
                    "delivered": results.delivered,
                    "failed": results.failed,
                },
            )
        announced.append(str(campaign.pk))
    return announced


@task()
def campaigns_run_due() -> dict[str, int]:
    """Periodic (every minute): start what is due, resume what stalled, announce what ended."""
    return {
        "started": len(campaigns_start_due()),
        "resumed": len(campaigns_resume_stalled()),
        "announced": len(campaigns_announce_sent()),
    }


@task()
def campaign_test_send(campaign_id: str, address: str, language: str = "") -> bool:
    """The campaign's email to one staff address, marked as a test; counted nowhere."""
    campaign = Campaign.objects.select_related("merchant").filter(pk=campaign_id).first()
    if campaign is None:
        return False
    email: EmailMultiAlternatives = test_email.test_email_build(campaign=campaign, address=address, language=language)
    email.send(fail_silently=False)
    return True


def campaign_test_send_soon(campaign_id: Any, address: str, language: str) -> None:
    campaign_test_send.enqueue(campaign_id=str(campaign_id), address=address, language=language)
