"""A campaign from draft to results: holdout drawn per card and kept, one voucher per recipient however often the
preparing runs, the message to the rest, cancel, test send, results against the holdout."""

import json
from datetime import timedelta

import pytest

from stampcard.campaigns.campaigns import holdout, preparing, results, services, tasks
from stampcard.campaigns.campaigns.errors import CampaignNotEditable, CampaignNotSendable
from stampcard.campaigns.campaigns.models import CampaignRecipient, CampaignState
from stampcard.campaigns.messages import sender
from stampcard.campaigns.messages.models import DeliveryState, MessageDelivery, MessageState
from stampcard.campaigns.webhooks.models import WebhookDelivery
from stampcard.cards.models import EventKind
from stampcard.core import clock
from stampcard.merchants.errors import RoleForbidden
from stampcard.public.opens import card_open_record
from stampcard.vouchers.models import Voucher
from tests.campaigns.campaigns.conftest import campaign_input, card_of, stamp
from tests.campaigns.helpers import endpoint_make
from tests.conftest import reload

pytestmark = pytest.mark.django_db


def customers(program, n, **extra):
    return [card_of(program, email=f"c{i}@example.com", marketing_email_consent=True, **extra) for i in range(n)]


def test_holdout_is_the_same_every_time_and_near_the_share():
    first = [holdout.is_held_out(campaign_id="c-1", card_id=i, percent=20) for i in range(5000)]
    again = [holdout.is_held_out(campaign_id="c-1", card_id=i, percent=20) for i in range(5000)]
    other = [holdout.is_held_out(campaign_id="c-2", card_id=i, percent=20) for i in range(5000)]
    assert first == again
    assert first != other  # each campaign draws its own
    assert 900 < sum(first) < 1100
    assert not any(holdout.is_held_out(campaign_id="c-1", card_id=i, percent=0) for i in range(1000))


def test_sending_now_fixes_the_audience_holds_out_a_share_and_sends_to_the_rest(
    program, manager, write_campaign, no_queue, smtp_server
):
    cards = customers(program, 40)
    campaign = write_campaign(holdout_percent=25)
    services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk)
    assert reload(campaign).state == CampaignState.PREPARING

    assert preparing.campaign_prepare(campaign.pk) == CampaignState.SENDING
    campaign = reload(campaign)
    held = set(CampaignRecipient.objects.filter(campaign=campaign, holdout=True).values_list("card_id", flat=True))
    expected = {c.pk for c in cards if holdout.is_held_out(campaign_id=campaign.pk, card_id=c.pk, percent=25)}
    assert held == expected and 0 < len(held) < 40
    sender.message_send(message_id=campaign.message_id)
    delivered = {each.to for each in smtp_server.received}
    assert delivered == {c.customer.email for c in cards if c.pk not in held}
    assert reload(campaign.message).state == MessageState.DONE


def test_a_campaign_that_went_to_everyone_raises_campaign_sent_once(
    program, manager, write_campaign, no_queue, smtp_server
):
    # given: a campaign to 10 customers (a fifth held out), sent, and an endpoint listening for campaign.sent
    customers(program, 10)
    endpoint = endpoint_make(program.merchant, "https://hooks.example.com/c", ["campaign.sent"])
    campaign = write_campaign(holdout_percent=20)
    services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk)
    preparing.campaign_prepare(campaign.pk)
    assert tasks.campaigns_announce_sent() == []  # still sending: nothing to announce

    # when: the message has gone out and the periodic task runs twice
    sender.message_send(message_id=reload(campaign).message_id)
    first, second = tasks.campaigns_announce_sent(), tasks.campaigns_announce_sent()

    # then: one event, with the campaign's figures
    assert (first, second) == ([str(campaign.pk)], [])
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint, event="campaign.sent")
    body = json.loads(delivery.body)["data"]
    sent_to = CampaignRecipient.objects.filter(campaign=campaign, holdout=False).count()
    assert body["campaign"] == {"id": str(campaign.pk), "name": campaign.name}
    assert (body["recipients"], body["delivered"], body["failed"]) == (sent_to, sent_to, 0)


def test_each_recipient_gets_one_voucher_however_often_the_preparing_runs(program, manager, write_campaign, no_queue):
    cards = customers(program, 12)
    campaign = write_campaign(voucher_title="Free cookie", voucher_days=14, holdout_percent=20)
    services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk)
    # a worker killed after the recipients and some vouchers: run the voucher step partly, then everything twice
    campaign = reload(campaign)
    preparing.recipients_fix(campaign)
    first = CampaignRecipient.objects.filter(campaign=campaign, holdout=False).order_by("pk").first()
    preparing._voucher_issue_one(campaign, first.pk, preparing._actor(campaign))
    preparing.campaign_prepare(campaign.pk)
    campaign = reload(campaign)
    campaign.state = CampaignState.PREPARING  # as if the sweep found it again
    campaign.save()
    preparing.vouchers_issue(campaign)
    preparing.campaign_prepare(campaign.pk)

    sent_to = CampaignRecipient.objects.filter(campaign=campaign, holdout=False)
    assert Voucher.objects.filter(card__in=[c.pk for c in cards]).count() == sent_to.count()
    for recipient in sent_to:
        assert Voucher.objects.filter(card_id=recipient.card_id).count() == 1
    assert not Voucher.objects.filter(card__in=CampaignRecipient.objects.filter(holdout=True).values("card")).exists()
    vouchers = Voucher.objects.filter(card__in=[c.pk for c in cards])
    assert {v.title for v in vouchers} == {"Free cookie"}
    assert all(v.expires_at is not None for v in vouchers)


def test_a_cancelled_campaign_sends_nothing_more(program, manager, write_campaign, no_queue):
    customers(program, 5)
    campaign = write_campaign()
    services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk)
    preparing.campaign_prepare(campaign.pk)
    services.campaign_cancel(actor=manager.actor(), campaign_id=campaign.pk)
    campaign = reload(campaign)
    assert campaign.state == CampaignState.CANCELLED
    assert set(MessageDelivery.objects.filter(message=campaign.message).values_list("reason", flat=True)) == {
        "cancelled"
    }
    assert sender.message_send(message_id=campaign.message_id).sent == 0


def test_a_cancelled_draft_never_prepares(program, manager, write_campaign, no_queue):
    customers(program, 2)
    campaign = write_campaign()
    services.campaign_cancel(actor=manager.actor(), campaign_id=campaign.pk)
    assert preparing.campaign_prepare(campaign.pk) == CampaignState.CANCELLED
    assert not CampaignRecipient.objects.filter(campaign=campaign).exists()


def test_a_started_campaign_cannot_be_changed_or_sent_again(program, manager, write_campaign, no_queue):
    campaign = write_campaign()
    services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk)
    with pytest.raises(CampaignNotEditable):
        services.campaign_update(actor=manager.actor(), campaign_id=campaign.pk, data=campaign_input())
    with pytest.raises(CampaignNotSendable):
        services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk)


def test_cashiers_cannot_write_campaigns(program, cashier):
    with pytest.raises(RoleForbidden):
        services.campaign_create(actor=cashier.actor(), data=campaign_input())


def test_a_campaign_names_only_the_merchants_own_programs(program, manager):
    from tests.factories import ProgramFactory

    foreign = ProgramFactory()
    with pytest.raises(services.rules.AudienceInvalid):
        services.campaign_create(
            actor=manager.actor(),
            data=campaign_input({"rules": [{"segment": "program", "program": str(foreign.pk)}]}),
        )


def test_a_subject_too_long_for_email_is_refused_with_its_field(program, manager):
    from stampcard.campaigns.messages.errors import MessageInvalid

    long = {"en": {"subject": "x" * 151, "text": "Hello"}}
    with pytest.raises(MessageInvalid) as refused:
        services.campaign_create(actor=manager.actor(), data=campaign_input(parts=long))
    assert refused.value.details["fields"][0]["field"] == "parts.en.subject"


def test_scheduled_campaigns_start_when_due_and_only_once(program, manager, write_campaign, no_queue):
    campaign = write_campaign()
    at = clock.now() + timedelta(hours=2)
    services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk, at=at)
    assert reload(campaign).state == CampaignState.SCHEDULED
    assert tasks.campaigns_start_due() == []
    with clock.frozen_at(at + timedelta(seconds=1)):
        assert tasks.campaigns_start_due() == [str(campaign.pk)]
        assert tasks.campaigns_start_due() == []
    assert reload(campaign).state == CampaignState.PREPARING


def test_a_stalled_preparing_is_resumed_by_the_sweep(program, manager, write_campaign, no_queue):
    campaign = write_campaign()
    services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk)
    assert tasks.campaigns_resume_stalled() == []
    with clock.frozen_at(clock.now() + tasks.STALLED_AFTER + timedelta(seconds=5)):
        assert tasks.campaigns_resume_stalled() == [str(campaign.pk)]


def test_test_send_goes_to_the_staff_members_own_address_and_counts_nowhere(
    program, manager, write_campaign, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    customers(program, 3)
    campaign = write_campaign()
    with django_capture_on_commit_callbacks(execute=True):
        address = services.campaign_test_send(actor=manager.actor(), campaign_id=campaign.pk, language="uk")
    assert address == manager.membership.user.email
    (received,) = smtp_server.received
    assert received.to == address
    assert received.message["Subject"].endswith("Осіннє меню")
    assert "Гарбузове лате" in received.part("text/plain")
    assert not CampaignRecipient.objects.filter(campaign=campaign).exists()
    assert reload(campaign).state == CampaignState.DRAFT


def test_results_compare_recipients_with_the_holdout(program, manager, write_campaign, no_queue, smtp_server):
    cards = customers(program, 60)
    campaign = write_campaign(holdout_percent=50, voucher_title="Free cookie", results_days=7)
    services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk)
    preparing.campaign_prepare(campaign.pk)
    campaign = reload(campaign)
    sender.message_send(message_id=campaign.message_id)
    sent = list(CampaignRecipient.objects.filter(campaign=campaign, holdout=False).select_related("card"))
    held = list(CampaignRecipient.objects.filter(campaign=campaign, holdout=True).select_related("card"))
    # given: half the recipients visit after sending, one holdout card does; a recipient visit after the window
    # and one before the sending do not count
    for recipient in sent[: len(sent) // 2]:
        stamp(recipient.card, at=campaign.sent_at + timedelta(days=1))
    stamp(held[0].card, at=campaign.sent_at + timedelta(days=2))
    stamp(held[1].card, at=campaign.sent_at - timedelta(days=1))
    stamp(sent[-1].card, at=campaign.sent_at + timedelta(days=8))
    stamp(sent[0].card, kind=EventKind.VOUCHER_REDEEMED, delta=0, at=campaign.sent_at + timedelta(hours=3))
    card_open_record(card=sent[1].card)

    outcome = results.campaign_results(campaign=campaign)
    assert outcome.audience == len(cards)
    assert outcome.delivered == len(sent) and outcome.failed == 0 and outcome.pending == 0
    assert outcome.vouchers_issued == len(sent)
    assert outcome.recipients.size == len(sent) and outcome.holdout.size == len(held)
    assert outcome.recipients.visited == len(sent) // 2
    assert outcome.holdout.visited == 1
    assert outcome.recipients.redeemed == 1 and outcome.holdout.redeemed == 0
    assert outcome.recipients.opened == 1
    assert outcome.visited_lift == round(round(100 * (len(sent) // 2) / len(sent), 1) - round(100 / len(held), 1), 1)


def test_skipped_recipients_are_counted_by_reason(program, manager, write_campaign, no_queue, smtp_server):
    customers(program, 2)
    card_of(program, email="no@example.com")  # no consent
    card_of(program)  # no email
    campaign = write_campaign()
    services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk)
    preparing.campaign_prepare(campaign.pk)
    campaign = reload(campaign)
    sender.message_send(message_id=campaign.message_id)
    outcome = results.campaign_results(campaign=campaign)
    assert (outcome.delivered, outcome.skipped) == (2, 2)
    assert outcome.reasons == {"no_consent": 1, "no_email": 1}
    assert MessageDelivery.objects.filter(message=campaign.message, state=DeliveryState.SENT).count() == 2


def test_the_email_tells_each_recipient_of_their_voucher_in_their_language(
    program, manager, write_campaign, no_queue, smtp_server
):
    (english,) = customers(program, 1)
    ukrainian = card_of(program, email="uk@example.com", marketing_email_consent=True, language="uk")
    campaign = write_campaign(voucher_title="Free cookie")
    services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk)
    preparing.campaign_prepare(campaign.pk)
    sender.message_send(message_id=reload(campaign).message_id)
    (to_english,) = smtp_server.to(english.customer.email)
    (to_ukrainian,) = smtp_server.to(ukrainian.customer.email)
    assert "A voucher is waiting for you in your card: Free cookie." in to_english.part("text/plain")
    assert "Гарбузове лате" in to_ukrainian.part("text/plain")
    assert "Free cookie" in to_ukrainian.part("text/plain")
