"""The automation pages of the panel: who may open each, the list with on/off, and the form of one automation
(labels visible, errors under the field to fix, texts checked against the channel's limits)."""

import pytest
from django.test import Client

from stampcard.campaigns.automations.models import Automation
from stampcard.merchants.models import Role
from tests.panel.conftest import signed_in

pytestmark = pytest.mark.django_db


def _urls(shop):
    program = shop.program.pk
    return [
        ("get", "/panel/automations/"),
        ("get", f"/panel/automations/{program}/"),
        ("get", f"/panel/automations/{program}/birthday/"),
        ("post", f"/panel/automations/{program}/birthday/"),
        ("post", f"/panel/automations/{program}/birthday/switch/"),
    ]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.OWNER])
def test_managers_and_owners_open_every_automation_page(shop, role):
    client = signed_in(shop, role)
    for method, url in _urls(shop):
        response = getattr(client, method)(url, {"on": "0"} if method == "post" else None)
        assert response.status_code in (200, 302, 400), (method, url, response.status_code)


def test_a_cashier_is_refused_on_every_automation_page(shop, cashier_client):
    for method, url in _urls(shop):
        assert getattr(cashier_client, method)(url).status_code == 403, (method, url)


def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_automation_page(shop):
    for method, url in _urls(shop):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), (method, url)


def test_another_merchants_card_is_not_found_on_every_automation_page(shop, other_shop):
    client = signed_in(shop, Role.OWNER)
    for method, url in _urls(other_shop)[1:]:
        assert getattr(client, method)(url).status_code == 404, (method, url)
    assert client.get(f"/panel/automations/{shop.program.pk}/lottery/").status_code == 404


def test_the_menu_entry_opens_the_default_cards_automations(shop, manager_client):
    response = manager_client.get("/panel/automations/")
    assert response.status_code == 302 and response["Location"] == f"/panel/automations/{shop.program.pk}/"
    page = manager_client.get(response["Location"])
    content = page.content.decode()
    for kind in ("welcome", "birthday", "win_back", "one_to_go", "reward_ready", "voucher_expiring", "stamp_expiry"):
        assert f'data-kind="{kind}"' in content
    assert 'href="/panel/automations/"' in content  # in the menu


def _form(**extra):
    data = {
        "send_hour": "10",
        "channels": ["email"],
        "days": "5",
        "subject_en": "Happy birthday!",
        "text_en": "A cake is waiting for you.",
        "subject_uk": "З днем народження!",
        "text_uk": "На вас чекає тістечко.",
        "voucher_title": "Cake",
        "voucher_days": "14",
        "is_enabled": "on",
    }
    data.update(extra)
    return data


def test_a_manager_sets_up_and_switches_on_the_birthday(shop, manager_client):
    url = f"/panel/automations/{shop.program.pk}/birthday/"
    assert 'for="id_subject_uk"' in manager_client.get(url).content.decode()  # a visible label per field

    response = manager_client.post(url, _form())

    assert response.status_code == 302, response.content.decode()[:2000]
    automation = Automation.objects.get(program=shop.program, kind="birthday")
    assert automation.is_enabled and automation.days == 5 and automation.voucher_days == 14
    assert automation.parts["uk"] == {
        "subject": "З днем народження!",
        "text": "На вас чекає тістечко.",
        "html": "",
        "wallet": "",
    }
    listed = manager_client.get(response["Location"]).content.decode()
    assert "Cake" in listed and "Switch off" in listed


def test_a_subject_too_long_is_shown_under_the_subject(shop, manager_client):
    response = manager_client.post(f"/panel/automations/{shop.program.pk}/birthday/", _form(subject_uk="x" * 151))

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["subject_uk"]
    assert not Automation.objects.exists()


def test_a_text_without_a_subject_says_to_write_the_subject(shop, manager_client):
    response = manager_client.post(f"/panel/automations/{shop.program.pk}/birthday/", _form(subject_en=""))

    assert response.status_code == 400
    assert response.context["form"].errors["subject_en"] == ["Write a subject."]


def test_days_out_of_bounds_are_shown_under_the_days(shop, manager_client):
    response = manager_client.post(f"/panel/automations/{shop.program.pk}/birthday/", _form(days="45"))

    assert response.status_code == 400
    assert response.context["form"].errors["days"]


def test_switching_on_an_automation_without_a_text_opens_its_form(shop, manager_client):
    response = manager_client.post(f"/panel/automations/{shop.program.pk}/win_back/switch/", {"on": "1"})

    assert response["Location"] == f"/panel/automations/{shop.program.pk}/win_back/"
    assert not Automation.objects.filter(is_enabled=True).exists()


def test_switching_off_and_on_from_the_list(shop, manager_client):
    manager_client.post(f"/panel/automations/{shop.program.pk}/birthday/", _form())
    switch = f"/panel/automations/{shop.program.pk}/birthday/switch/"

    manager_client.post(switch, {"on": "0"})
    assert Automation.objects.get().is_enabled is False
    manager_client.post(switch, {"on": "1"})
    assert Automation.objects.get().is_enabled is True


def test_stamp_expiry_has_a_reminder_and_no_voucher(shop, manager_client):
    url = f"/panel/automations/{shop.program.pk}/stamp_expiry/"
    form = manager_client.get(url).context["form"]
    assert "reminder_days" in form.fields and "voucher_title" not in form.fields

    response = manager_client.post(url, _form(days="90", reminder_days="7", voucher_title=""))

    assert response.status_code == 302
    assert Automation.objects.get(kind="stamp_expiry").reminder_days == 7


def test_a_wallet_message_too_long_for_the_lock_screen_is_refused_under_its_field(shop, manager_client):
    url = f"/panel/automations/{shop.program.pk}/birthday/"
    data = {**_form(), "channels": ["wallet"], "wallet_uk": "x" * 151}

    response = manager_client.post(url, data)

    assert response.status_code == 400
    assert 'id="id_wallet_uk_errors"' in response.content.decode()
