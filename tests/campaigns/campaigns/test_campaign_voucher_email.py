"""A campaign with a voucher per recipient: each recipient's email, as the SMTP server receives it, carries what they
need to use their own voucher — its code, the link to its page and its expiry in their language and the merchant's
time zone — in the text and the HTML part."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from stampcard.campaigns.campaigns import preparing, services
from stampcard.campaigns.campaigns.models import CampaignRecipient
from stampcard.campaigns.messages import sender
from stampcard.core import clock
from stampcard.vouchers.codes import format_code
from stampcard.vouchers.presenters import voucher_urls
from tests.campaigns.campaigns.conftest import card_of
from tests.conftest import reload

pytestmark = pytest.mark.django_db

# 23:30 UTC on 1 March is 01:30 on 2 March in Kyiv (UTC+2): fourteen days on, the voucher runs to 16 March 01:30
# there, 15 March 23:30 in UTC.
SENT_AT = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


def campaign_sent(program, manager, write_campaign, **voucher):
    english = card_of(program, email="ann@example.com", marketing_email_consent=True, language="en")
    ukrainian = card_of(program, email="olena@example.com", marketing_email_consent=True, language="uk")
    campaign = write_campaign(voucher_title="Free cookie", **voucher)
    with clock.frozen_at(SENT_AT):
        services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk)
        preparing.campaign_prepare(campaign.pk)
        sender.message_send(message_id=reload(campaign).message_id)
    return campaign, english, ukrainian


def voucher_of(campaign, card):
    recipient = CampaignRecipient.objects.select_related("voucher").get(campaign=campaign, card=card)
    assert recipient.voucher is not None
    return recipient.voucher


def test_each_recipient_reads_their_own_voucher_code_link_and_expiry_in_their_language(
    program, manager, write_campaign, no_queue, smtp_server, client
):
    # given: a merchant in Kyiv
    program.merchant.timezone = "Europe/Kyiv"
    program.merchant.save(update_fields=["timezone"])

    # when: a campaign with a voucher valid for 14 days goes to an English and a Ukrainian reader
    campaign, english, ukrainian = campaign_sent(program, manager, write_campaign, voucher_days=14)

    # then: each email carries that reader's voucher, dated in Kyiv and written in the reader's language
    expected = {
        english: ("Voucher code: {code}", "Valid until 03/16/2026 01:30.", "Open the voucher: {url}"),
        ukrainian: ("Код ваучера: {code}", "Діє до 16.03.2026 01:30.", "Відкрити ваучер: {url}"),
    }
    codes = set()
    for card, (code_line, until_line, link_line) in expected.items():
        voucher = voucher_of(campaign, card)
        code, url = format_code(voucher.code), voucher_urls(voucher)["page"]
        codes.add(code)
        (received,) = smtp_server.to(card.customer.email)
        text, html = received.part("text/plain"), received.part("text/html")
        assert code_line.format(code=code) in text
        assert until_line in text
        assert link_line.format(url=url) in text
        assert code in html and until_line in html and f'href="{url}"' in html
        # the link opens that voucher's page, which shows the same code
        with clock.frozen_at(SENT_AT):
            page = client.get(urlsplit(url).path)
        assert page.status_code == 200 and code in page.content.decode()
    assert len(codes) == 2  # two vouchers, one each


def test_a_voucher_without_expiry_says_so(program, manager, write_campaign, no_queue, smtp_server):
    campaign, english, ukrainian = campaign_sent(program, manager, write_campaign, voucher_days=None)

    (to_english,) = smtp_server.to(english.customer.email)
    (to_ukrainian,) = smtp_server.to(ukrainian.customer.email)
    assert "No expiry date." in to_english.part("text/plain") and "No expiry date." in to_english.part("text/html")
    assert "Без терміну дії." in to_ukrainian.part("text/plain")
    assert format_code(voucher_of(campaign, ukrainian).code) in to_ukrainian.part("text/html")
