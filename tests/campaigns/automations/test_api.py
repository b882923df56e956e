"""API v1 of automations: list, read and change a program's automations. Managers and owners; a cashier's key 403, no
key 401; another merchant's program 404 on every route; texts checked against the channel's limits."""

import pytest
from django.test import Client

from stampcard.campaigns.automations.models import Automation
from stampcard.merchants.models import Role
from tests.api.helpers import API, error_of, get
from tests.conftest import make_staff
from tests.factories import MerchantFactory, ProgramFactory

pytestmark = pytest.mark.django_db

PARTS = {"uk": {"subject": "З днем народження!", "text": "Подарунок чекає на вас."}}


def patch(client, path, body, **headers):
    return client.patch(API + path, data=body, content_type="application/json", headers=headers)


def _routes(program):
    base = f"/programs/{program.pk}/automations"
    return [("get", base), ("get", f"{base}/birthday"), ("patch", f"{base}/birthday")]


def _call(client, method, path):
    if method == "get":
        return get(client, path)
    return patch(client, path, {"is_enabled": False})


@pytest.mark.parametrize("role", [Role.MANAGER, Role.OWNER])
def test_managers_and_owners_reach_every_route(merchant, program, role):
    staff = make_staff(merchant, role)
    for method, path in _routes(program):
        assert _call(staff.client(), method, path).status_code == 200, (method, path)


def test_a_cashier_is_refused_on_every_route(program, cashier):
    for method, path in _routes(program):
        assert error_of(_call(cashier.client(), method, path), 403)["code"] == "role_forbidden", (method, path)


def test_no_key_is_refused_on_every_route(program):
    for method, path in _routes(program):
        assert _call(Client(), method, path).status_code == 401, (method, path)


def test_another_merchants_program_is_not_found_on_every_route(manager):
    theirs = ProgramFactory(merchant=MerchantFactory())
    for method, path in _routes(theirs):
        assert error_of(_call(manager.client(), method, path), 404)["code"] == "program_not_found", (method, path)
    assert not Automation.objects.exists()


def test_the_list_shows_every_kind_off_until_set_up(program, manager):
    results = get(manager.client(), f"/programs/{program.pk}/automations").json()["results"]

    assert [r["kind"] for r in results] == [
        "welcome",
        "birthday",
        "win_back",
        "one_to_go",
        "reward_ready",
        "voucher_expiring",
        "stamp_expiry",
    ]
    assert all(r["is_enabled"] is False for r in results)
    birthday = results[1]
    assert birthday["days"] == 3 and birthday["days_label"] and birthday["voucher"] is None


def test_a_manager_switches_the_birthday_on_with_a_text_and_a_voucher(program, manager):
    response = patch(
        manager.client(),
        f"/programs/{program.pk}/automations/birthday",
        {
            "is_enabled": True,
            "days": 5,
            "channels": ["email"],
            "parts": PARTS,
            "voucher": {"title": "Тістечко", "validity_days": 14},
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["is_enabled"] is True and body["days"] == 5 and body["enabled_at"]
    assert body["parts"] == PARTS
    assert body["voucher"] == {"title": "Тістечко", "description": "", "validity_days": 14}
    automation = Automation.objects.get(program=program, kind="birthday")
    assert automation.updated_by == manager.membership.user

    off = patch(manager.client(), f"/programs/{program.pk}/automations/birthday", {"voucher": None}).json()
    assert off["voucher"] is None and off["parts"] == PARTS and off["days"] == 5


def test_switching_on_without_a_text_says_what_to_write(program, manager):
    error = error_of(patch(manager.client(), f"/programs/{program.pk}/automations/win_back", {"is_enabled": True}), 422)
    assert error["code"] == "message_parts_required"


def test_a_subject_too_long_for_email_is_refused_with_its_field(program, manager):
    parts = {"en": {"subject": "x" * 151, "text": "Hello"}}
    error = error_of(
        patch(
            manager.client(),
            f"/programs/{program.pk}/automations/welcome",
            {"is_enabled": True, "parts": parts},
        ),
        422,
    )
    assert error["code"] == "message_subject_too_long"
    assert error["details"]["fields"][0]["field"] == "parts.en.subject"


def test_days_outside_the_kinds_bounds_are_refused(program, manager):
    error = error_of(
        patch(manager.client(), f"/programs/{program.pk}/automations/birthday", {"days": 31, "parts": PARTS}), 422
    )
    assert error["code"] == "automation_days_invalid"


def test_an_unknown_kind_is_not_found(program, manager):
    error = error_of(patch(manager.client(), f"/programs/{program.pk}/automations/lottery", {}), 404)
    assert error["code"] == "automation_not_found"


def test_an_unknown_channel_is_refused_with_its_field(program, manager):
    body = {"is_enabled": True, "parts": PARTS, "channels": ["pigeon"]}
    error = error_of(patch(manager.client(), f"/programs/{program.pk}/automations/welcome", body), 422)
    assert error["code"] == "message_channel_unknown"


def test_the_routes_are_in_the_openapi_document(client):
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    assert set(paths[f"{API}/programs/{{program_id}}/automations/{{kind}}"]) == {"get", "patch"}
    assert "get" in paths[f"{API}/programs/{{program_id}}/automations"]
