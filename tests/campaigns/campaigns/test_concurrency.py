"""Races on PostgreSQL with real threads: two schedulers start a due campaign once; two workers preparing the same
campaign issue each recipient one voucher."""

from datetime import timedelta

import pytest

from stampcard.campaigns.campaigns import preparing, services, tasks
from stampcard.campaigns.campaigns.models import Campaign, CampaignRecipient, CampaignState
from stampcard.core import clock
from stampcard.core.testing import run_concurrently
from stampcard.vouchers.models import Voucher
from tests.campaigns.campaigns.conftest import campaign_input, card_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_schedulers_start_each_due_campaign_once(program, manager, no_queue):
    at = clock.now() + timedelta(hours=1)
    campaigns = []
    for i in range(5):
        campaign = services.campaign_create(actor=manager.actor(), data=campaign_input(name=f"Campaign {i}"))
        services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk, at=at)
        campaigns.append(campaign)

    def scheduler(_i):
        with clock.frozen_at(at + timedelta(seconds=1)):
            return tasks.campaigns_start_due()

    outcomes = run_concurrently(scheduler, n=2)
    started = [pk for outcome in outcomes for pk in outcome.value]
    assert all(outcome.ok for outcome in outcomes)
    assert sorted(started) == sorted(str(c.pk) for c in campaigns)  # each once, by one of the two
    assert set(Campaign.objects.values_list("state", flat=True)) == {CampaignState.PREPARING}


def test_two_workers_preparing_one_campaign_issue_one_voucher_per_recipient(program, manager, no_queue):
    cards = [card_of(program, email=f"v{i}@example.com", marketing_email_consent=True) for i in range(30)]
    campaign = services.campaign_create(
        actor=manager.actor(), data=campaign_input(voucher_title="Free cookie", holdout_percent=10)
    )
    services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk)

    outcomes = run_concurrently(lambda _i: preparing.campaign_prepare(campaign.pk), n=2)
    assert all(outcome.ok for outcome in outcomes), [o.error for o in outcomes]
    sent_to = CampaignRecipient.objects.filter(campaign=campaign, holdout=False)
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == len(cards)
    assert Voucher.objects.filter(card__in=[c.pk for c in cards]).count() == sent_to.count()
    assert Campaign.objects.get(pk=campaign.pk).state == CampaignState.SENDING
