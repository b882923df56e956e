"""The campaign pages in a real browser, in English and Ukrainian, at phone and desktop width: the list, the builder
with conditions picked, a draft, and a sent campaign with results against its holdout. Each must speak the staff
member's language and fit a phone. With SCREENSHOTS_DIR set each is saved as a PNG."""

from datetime import timedelta

import pytest

from stampcard.campaigns.campaigns import preparing, services
from stampcard.campaigns.campaigns.models import CampaignRecipient
from stampcard.campaigns.messages import sender
from stampcard.merchants.models import Role
from tests.browser import chromium, fits_the_screen
from tests.campaigns.campaigns.conftest import campaign_input, card_of, stamp
from tests.panel.campaigns.test_campaign_pages import DEEP_AUDIENCE
from tests.panel.objects import shop_create
from tests.panel.test_screenshots import _shot, _signed_in_as_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def _campaigns(shop):
    actor = shop.staff[Role.MANAGER].actor()
    audience = {
        "match": "all",
        "rules": [
            {"segment": "program", "program": str(shop.program.pk)},
            {"segment": "last_visit", "more_than_days": 30},
        ],
    }
    draft = services.campaign_create(
        actor=actor, data=campaign_input(audience, name="We miss you", voucher_title="Free cookie", holdout_percent=10)
    )
    for i in range(30):
        card_of(shop.program, email=f"g{i}@example.com", marketing_email_consent=bool(i % 5))
    sent = services.campaign_create(actor=actor, data=campaign_input(name="Autumn menu", holdout_percent=30))
    services.campaign_send(actor=actor, campaign_id=sent.pk)
    preparing.campaign_prepare(sent.pk)
    sent.refresh_from_db()
    sender.message_send(message_id=sent.message_id)
    for recipient in CampaignRecipient.objects.filter(campaign=sent).select_related("card")[:12]:
        stamp(recipient.card, at=sent.sent_at + timedelta(days=1))
    deep = services.campaign_create(actor=actor, data=campaign_input(DEEP_AUDIENCE, name="Made through the API"))
    return draft, sent, deep


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_campaign_pages_speak_the_language_and_fit_the_screen(browser, live_server, language, width, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    shop = shop_create("Blue Cup")
    draft, sent, deep = _campaigns(shop)
    context, page = _signed_in_as_owner(browser, live_server, shop, language=language, width=width)
    pages = [
        ("campaigns", "/panel/campaigns/"),
        ("campaign-new", "/panel/campaigns/new/"),
        ("campaign-edit", f"/panel/campaigns/{draft.pk}/edit/"),
        ("campaign-edit-api-audience", f"/panel/campaigns/{deep.pk}/edit/"),
        ("campaign-draft", f"/panel/campaigns/{draft.pk}/"),
        ("campaign-sent", f"/panel/campaigns/{sent.pk}/"),
    ]
    for name, path in pages:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status < 400, path
        assert page.locator("html").get_attribute("lang") == language, path
        if width == "phone":
            assert fits_the_screen(page), f"{path} is wider than a phone"
        _shot(page, f"{name}-{language}-{width}")
    # the builder's live count follows a change of the conditions
    page.goto(live_server.url + f"/panel/campaigns/{draft.pk}/edit/")
    page.select_option("#id_c-1-segment", "")
    page.locator("#audience-size strong", has_text="31").wait_for()
    context.close()
