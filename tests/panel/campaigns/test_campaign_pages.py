"""The campaign pages: the builder writes the audience from picked conditions, shows its size live, says what to fix;
the campaign page sends, schedules, cancels and shows progress that survives a reload."""

import pytest

from stampcard.campaigns.audiences import rules
from stampcard.campaigns.campaigns import preparing, services
from stampcard.campaigns.campaigns.models import Campaign, CampaignState
from stampcard.cards.models import Program
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Role
from tests.campaigns.campaigns.conftest import card_of
from tests.campaigns.messages.conftest import PARTS

pytestmark = pytest.mark.django_db


def form_data(shop, **overrides):
    data = {
        "name": "Come back",
        "match": "all",
        "inner_match": "any",
        "channels": ["email"],
        "subject_en": "We miss you",
        "text_en": "A free cookie waits for you.",
        "subject_uk": "",
        "text_uk": "",
        "voucher_title": "Free cookie",
        "voucher_days": "14",
        "holdout_percent": "10",
        "results_days": "14",
        "c-TOTAL_FORMS": "6",
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "6",
        "c-0-segment": "program",
        "c-0-program": str(shop.program.pk),
        "c-1-segment": "last_visit",
        "c-1-recency": "more_than",
        "c-1-days": "30",
    }
    data.update(overrides)
    return data


def test_the_builder_saves_the_conditions_as_the_audience(shop, manager_client):
    response = manager_client.post("/panel/campaigns/new/", form_data(shop))
    assert response.status_code == 302
    campaign = Campaign.objects.get(merchant=shop.merchant)
    assert campaign.audience == {
        "match": "all",
        "rules": [
            {"segment": "program", "program": str(shop.program.pk)},
            {"segment": "last_visit", "more_than_days": 30},
        ],
    }
    assert campaign.voucher_title == "Free cookie" and campaign.holdout_percent == 10
    assert campaign.parts == {
        "en": {"subject": "We miss you", "text": "A free cookie waits for you.", "html": "", "wallet": ""}
    }
    # and the form opens again with the same rows
    page = manager_client.get(f"/panel/campaigns/{campaign.pk}/edit/").content.decode()
    assert 'value="more_than" selected' in page and 'name="c-1-days" value="30"' in page


def test_conditions_given_one_group_number_combine_inside_the_group(shop, manager_client):
    data = form_data(
        shop,
        **{
            "c-0-group": "1",
            "c-1-group": "2",
            "c-2-segment": "visits",
            "c-2-number": "3",
            "c-2-days": "30",
            "c-2-group": "2",
        },
    )
    assert manager_client.post("/panel/campaigns/new/", data).status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.audience == {
        "match": "all",
        "rules": [
            {"segment": "program", "program": str(shop.program.pk)},
            {
                "match": "any",
                "rules": [
                    {"segment": "last_visit", "more_than_days": 30},
                    {"segment": "visits", "days": 30, "at_least": 3},
                ],
            },
        ],
    }
    page = manager_client.get(f"/panel/campaigns/{campaign.pk}/edit/").content.decode()
    assert page.count('<option value="2" selected>') == 2  # both rows of the second group show it again


def test_a_condition_missing_its_value_says_what_to_fix(shop, manager_client):
    response = manager_client.post("/panel/campaigns/new/", form_data(shop, **{"c-1-days": ""}))
    assert response.status_code == 200
    assert "Fill this in for the condition." in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_subject_too_long_is_shown_under_its_field(shop, manager_client):
    response = manager_client.post("/panel/campaigns/new/", form_data(shop, subject_en="x" * 151))
    assert response.status_code == 200
    assert 'id="id_subject_en_errors"' in response.content.decode()


def test_a_wallet_campaign_whose_text_is_too_long_for_the_lock_screen_says_so_under_the_text(shop, manager_client):
    data = form_data(shop, channels=["wallet"], text_en="x" * 151)
    response = manager_client.post("/panel/campaigns/new/", data)
    assert response.status_code == 200
    assert 'id="id_text_en_errors"' in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_separate_wallet_message_is_saved_beside_the_email_text(shop, manager_client):
    data = form_data(shop, channels=["email", "wallet"], text_en="x" * 300, wallet_en="A cookie waits for you")
    response = manager_client.post("/panel/campaigns/new/", data)
    assert response.status_code == 302
    assert Campaign.objects.get().parts["en"]["wallet"] == "A cookie waits for you"


def test_the_live_size_counts_the_conditions_on_the_form(shop, manager_client):
    other = Program.objects.create(merchant=shop.merchant, name="Pastry", goal=5, reward_title="Bun")
    card_of(other)
    card_of(other)
    data = form_data(shop, **{"c-0-program": str(other.pk), "c-1-segment": ""})
    response = manager_client.post("/panel/campaigns/audience-size/", data)
    assert response.status_code == 200
    assert "<strong>2</strong>" in response.content.decode()


def test_send_now_then_the_progress_block_reads_the_state(shop, manager_client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    manager_client.post("/panel/campaigns/new/", form_data(shop, **{"c-1-segment": "", "holdout_percent": "0"}))
    campaign = Campaign.objects.get()
    assert manager_client.post(f"/panel/campaigns/{campaign.pk}/send/", {"at": ""}).status_code == 302
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.PREPARING
    progress = manager_client.get(f"/panel/campaigns/{campaign.pk}/progress/").content.decode()
    assert 'data-state="preparing"' in progress and "every 2s" in progress
    preparing.campaign_prepare(campaign.pk)
    page = manager_client.get(f"/panel/campaigns/{campaign.pk}/").content.decode()
    assert 'data-testid="audience">1<' in page  # the shop's one card


def test_schedule_reads_the_merchants_time_zone_and_cancel_stops_it(shop, manager_client):
    manager_client.post("/panel/campaigns/new/", form_data(shop))
    campaign = Campaign.objects.get()
    manager_client.post(f"/panel/campaigns/{campaign.pk}/send/", {"at": "2099-05-01T09:30"})
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.SCHEDULED
    assert campaign.scheduled_at.astimezone(shop.merchant.tz).strftime("%Y-%m-%d %H:%M") == "2099-05-01 09:30"
    manager_client.post(f"/panel/campaigns/{campaign.pk}/cancel/")
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.CANCELLED


def test_the_menu_shows_campaigns_to_managers_only(shop, manager_client, cashier_client):
    assert 'href="/panel/campaigns/"' in manager_client.get("/panel/").content.decode()
    assert 'href="/panel/campaigns/"' not in cashier_client.get("/panel/").content.decode()


DEEP_AUDIENCE = {
    "match": "all",
    "rules": [
        {"segment": "language", "language": "uk"},
        {
            "match": "any",
            "rules": [
                {"segment": "last_visit", "more_than_days": 30},
                {
                    "match": "all",
                    "rules": [
                        {"segment": "wallet", "platform": "apple"},
                        {"segment": "consent", "marketing_email": True},
                    ],
                },
            ],
        },
    ],
}


def _deep_campaign(shop):
    data = services.CampaignInput(name="From the API", audience=DEEP_AUDIENCE, channels=["email"], parts=PARTS)
    return services.campaign_create(actor=shop.staff[Role.MANAGER].actor(Channel.API), data=data)


def _posted_as_shown(response) -> dict:
    """What the browser posts back for the page as rendered, every field left as it is."""
    data = {}
    forms_shown = [response.context["form"], response.context["conditions"].management_form]
    forms_shown += response.context["conditions"].forms
    for form in forms_shown:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def test_an_api_audience_the_rows_cannot_show_is_kept_while_the_rows_are_left_alone(shop, manager_client):
    campaign = _deep_campaign(shop)
    page = manager_client.get(f"/panel/campaigns/{campaign.pk}/edit/")
    assert 'data-testid="audience-simplified"' in page.content.decode()

    data = {**_posted_as_shown(page), "name": "Renamed in the panel"}
    response = manager_client.post(f"/panel/campaigns/{campaign.pk}/edit/", data)

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "Renamed in the panel" and campaign.audience == rules.rule_clean(
        DEEP_AUDIENCE, languages=services.languages()
    )


def test_changing_the_rows_of_an_api_audience_replaces_it_with_what_they_say(shop, manager_client):
    campaign = _deep_campaign(shop)
    data = _posted_as_shown(manager_client.get(f"/panel/campaigns/{campaign.pk}/edit/"))
    data["c-1-days"] = "45"

    assert manager_client.post(f"/panel/campaigns/{campaign.pk}/edit/", data).status_code == 302

    campaign.refresh_from_db()
    assert campaign.audience != rules.rule_clean(DEEP_AUDIENCE, languages=services.languages())
    assert {"segment": "last_visit", "more_than_days": 45} in rules_flat(campaign.audience)


def test_a_builder_made_audience_shows_no_simplification_notice(shop, manager_client):
    manager_client.post("/panel/campaigns/new/", form_data(shop))
    campaign = Campaign.objects.get(merchant=shop.merchant)
    page = manager_client.get(f"/panel/campaigns/{campaign.pk}/edit/").content.decode()
    assert 'data-testid="audience-simplified"' not in page


def rules_flat(rule):
    if "segment" in rule:
        return [rule]
    return [node for child in rule["rules"] for node in rules_flat(child)]
