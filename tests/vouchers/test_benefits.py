"""What a voucher gives (gift, percent or amount off) through the API v1: set when issued, bounded, shown in every
voucher payload; and what redeeming a discount voucher against a check's total takes off it."""

import pytest

from stampcard.cards.models import CardEvent, EventKind
from stampcard.core.benefit import Benefit
from stampcard.vouchers.models import Voucher, VoucherState
from tests.api.helpers import error_of, get, post
from tests.vouchers.conftest import issue

pytestmark = pytest.mark.django_db


def test_a_manager_issues_a_percent_voucher_and_every_payload_says_so(now, manager, cashier, card):
    response = post(
        manager.client(),
        "/vouchers",
        {"card": card.number, "title": "10% off", "benefit": {"kind": "percent", "value": 10}},
    )

    assert response.status_code == 201, response.content
    [voucher] = response.json()["vouchers"]
    assert voucher["benefit"] == {"kind": "percent", "value": 10}
    assert get(cashier.client(), f"/vouchers/{voucher['code']}").json()["benefit"] == voucher["benefit"]
    assert get(cashier.client(), f"/cards/{card.number}").json()["vouchers"][0]["benefit"] == voucher["benefit"]
    stored = Voucher.objects.get(code=voucher["code"])
    assert (stored.benefit_kind, stored.benefit_value) == ("percent", 10)


def test_a_batch_of_amount_vouchers_each_take_the_same_amount_off(now, manager):
    response = post(
        manager.client(),
        "/vouchers",
        {"title": "50 UAH off", "count": 3, "benefit": {"kind": "amount", "value": 5000}},
    )

    assert response.status_code == 201, response.content
    assert [v["benefit"] for v in response.json()["vouchers"]] == [{"kind": "amount", "value": 5000}] * 3


def test_a_voucher_issued_without_a_benefit_is_a_gift(now, manager):
    [voucher] = post(manager.client(), "/vouchers", {"title": "Free cappuccino"}).json()["vouchers"]
    assert voucher["benefit"] == {"kind": "gift", "value": 0}


@pytest.mark.parametrize(
    "benefit",
    [
        {"kind": "percent", "value": 0},
        {"kind": "percent", "value": 101},
        {"kind": "percent"},
        {"kind": "amount", "value": 0},
        {"kind": "amount", "value": -100},
        {"kind": "amount", "value": 10**12 + 1},
        {"kind": "amount", "value": 2**63},
        {"kind": "amount", "value": 49.5},
        {"kind": "percent", "value": True},
        {"kind": "percent", "value": "10"},
        {"kind": "gift", "value": 10},
        {"kind": "half_price", "value": 50},
        "10%",
    ],
)
def test_a_benefit_out_of_bounds_is_a_422_naming_it_and_issues_nothing(now, manager, benefit):
    error = error_of(post(manager.client(), "/vouchers", {"title": "Off", "benefit": benefit}), 422)

    assert any(f["field"].startswith("benefit") for f in error["details"]["fields"]), error
    assert not Voucher.objects.exists()


def test_redeeming_a_percent_voucher_against_the_checks_total_says_what_it_takes_off(now, manager_actor, cashier, card):
    voucher = issue(manager_actor, card=card, title="10% off", benefit=Benefit(kind="percent", value=10))

    response = post(
        cashier.client(),
        f"/vouchers/{voucher.code}/redeem",
        {"check": {"external_id": "P-7", "total": 12555, "currency": "UAH"}},
    )

    assert response.status_code == 200, response.content
    assert response.json()["discount"] == 1256  # 10% of 125.55, the half kopiyka up
    assert get(cashier.client(), f"/vouchers/{voucher.code}").json()["discount"] == 1256
    redeemed = Voucher.objects.get(pk=voucher.pk)
    assert (redeemed.state, redeemed.redeemed_discount) == (VoucherState.REDEEMED, 1256)
    event = CardEvent.objects.get(kind=EventKind.VOUCHER_REDEEMED)
    assert event.payload["discount"] == 1256


def test_an_amount_voucher_takes_off_at_most_the_check(now, manager_actor, cashier):
    voucher = issue(manager_actor, title="50 UAH off", benefit=Benefit(kind="amount", value=5000))

    response = post(cashier.client(), f"/vouchers/{voucher.code}/redeem", {"check": {"total": 3000}})

    assert response.json()["discount"] == 3000


def test_a_discount_voucher_on_an_empty_check_is_refused_and_stays_usable(now, manager_actor, cashier):
    voucher = issue(manager_actor, title="10% off", benefit=Benefit(kind="percent", value=10))

    error = error_of(post(cashier.client(), f"/vouchers/{voucher.code}/redeem", {"check": {"total": 0}}), 409)

    assert error["code"] == "voucher_nothing_to_discount"
    assert Voucher.objects.get(pk=voucher.pk).state == VoucherState.ACTIVE
    again = post(cashier.client(), f"/vouchers/{voucher.code}/redeem", {"check": {"total": 2000}})
    assert again.status_code == 200 and again.json()["discount"] == 200


def test_a_used_discount_voucher_says_it_is_used_whatever_the_check(now, manager_actor, cashier):
    voucher = issue(manager_actor, title="10% off", benefit=Benefit(kind="percent", value=10))
    post(cashier.client(), f"/vouchers/{voucher.code}/redeem", {"check": {"total": 2000}})

    error = error_of(post(cashier.client(), f"/vouchers/{voucher.code}/redeem", {"check": {"total": 0}}), 409)

    assert error["code"] == "voucher_already_redeemed"


def test_a_gift_or_a_redemption_without_a_total_takes_nothing_off(now, manager_actor, cashier):
    gift = issue(manager_actor, title="Free cappuccino")
    percent = issue(manager_actor, title="10% off", benefit=Benefit(kind="percent", value=10))

    with_total = post(cashier.client(), f"/vouchers/{gift.code}/redeem", {"check": {"total": 5000}}).json()
    without = post(cashier.client(), f"/vouchers/{percent.code}/redeem").json()

    assert with_total["discount"] is None and with_total["benefit"]["kind"] == "gift"
    # Another till that applies discounts itself reads the benefit and computes its own.
    assert without["discount"] is None and without["benefit"] == {"kind": "percent", "value": 10}


@pytest.mark.parametrize(
    ("check", "status"),
    [
        ({"total": -1}, 422),
        ({"total": 10**12 + 1}, 422),
        ({"total": True}, 422),
        ({"total": 12.5}, 422),
        ({"total": 100, "currency": "EUR"}, 422),
        ({"total": 100, "currency": "EURO"}, 422),
    ],
)
def test_a_redeem_with_a_bad_total_or_currency_is_a_4xx_and_redeems_nothing(now, manager_actor, cashier, check, status):
    voucher = issue(manager_actor, title="10% off", benefit=Benefit(kind="percent", value=10))

    error_of(post(cashier.client(), f"/vouchers/{voucher.code}/redeem", {"check": check}), status)

    assert Voucher.objects.get(pk=voucher.pk).state == VoucherState.ACTIVE


def test_a_benefit_that_breaks_its_bounds_cannot_be_stored_by_any_code(now, manager_actor):
    from django.db import IntegrityError, transaction

    voucher = issue(manager_actor, title="10% off", benefit=Benefit(kind="percent", value=10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=voucher.pk).update(benefit_value=150)


def test_the_openapi_document_describes_the_benefit_under_its_own_name(client):
    spec = client.get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    [ref] = [v["$ref"] for v in schemas["VoucherIssueIn"]["properties"]["benefit"]["anyOf"] if "$ref" in v]
    benefit = schemas[ref.rsplit("/", 1)[1]]

    assert benefit["properties"]["kind"]["enum"] == ["gift", "percent", "amount"]
    assert (benefit["properties"]["value"]["minimum"], benefit["properties"]["value"]["maximum"]) == (0, 10**12)
    assert "discount" in schemas["VoucherOut"]["properties"]
