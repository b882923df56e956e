"""Business settings: the owner's page; the currency stays once checks in it are recorded."""

import pytest

from stampcard.cards.checks import CheckInput
from stampcard.checkouts import services as checkouts_services
from stampcard.core.errors import PermissionDenied
from stampcard.merchants import errors as merchants_errors
from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import BusinessType, Role
from tests.panel.conftest import signed_in

pytestmark = pytest.mark.django_db


def settings_of(**changes: str) -> dict[str, str]:
    return {
        "business_name": "Blue Cup Roasters",
        "business_type": "cafe",
        "country": "UA",
        "currency": "UAH",
        "time_zone": "Europe/Kyiv",
        "language": "uk",
        **changes,
    }


def stamp_a_check(shop) -> None:
    checkouts_services.checkout_commit(
        actor=shop.staff[Role.CASHIER].actor(),
        card_ref=shop.card.number,
        check=CheckInput(external_id="B-1", total=5000, currency="UAH"),
    )


def test_the_owner_changes_the_business_profile(shop):
    client = signed_in(shop, Role.OWNER)
    assert client.get("/panel/business/").status_code == 200

    response = client.post(
        "/panel/business/", settings_of(business_type="bakery", country="PL", currency="PLN", time_zone="Europe/Warsaw")
    )

    assert response["Location"] == "/panel/business/"
    shop.merchant.refresh_from_db()
    assert shop.merchant.name == "Blue Cup Roasters"
    assert shop.merchant.business_type == BusinessType.BAKERY
    assert (shop.merchant.country, shop.merchant.currency, shop.merchant.timezone) == ("PL", "PLN", "Europe/Warsaw")


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASHIER])
def test_only_the_owner_may_open_or_change_them(shop, role):
    client = signed_in(shop, role)
    assert client.get("/panel/business/").status_code == 403
    assert client.post("/panel/business/", settings_of(business_name="Taken over")).status_code == 403
    shop.merchant.refresh_from_db()
    assert shop.merchant.name == "Blue Cup"


def test_the_service_refuses_a_manager_too(shop):
    with pytest.raises(PermissionDenied):
        merchants_services.merchant_settings_update(
            actor=shop.staff[Role.MANAGER].actor(),
            name="X",
            business_type=BusinessType.CAFE,
            country="UA",
            currency="UAH",
            timezone="Europe/Kyiv",
            locale="uk",
            currency_in_use=False,
        )


def test_the_currency_stays_once_checks_in_it_exist_and_the_page_says_why(shop):
    stamp_a_check(shop)
    client = signed_in(shop, Role.OWNER)

    response = client.post("/panel/business/", settings_of(currency="EUR"))

    assert response.status_code == 400
    assert "checks in UAH are recorded" in response.content.decode()
    shop.merchant.refresh_from_db()
    assert shop.merchant.currency == "UAH"
    assert shop.merchant.name == "Blue Cup"  # nothing of the refused form was saved


def test_other_settings_still_change_when_checks_exist(shop):
    stamp_a_check(shop)

    signed_in(shop, Role.OWNER).post("/panel/business/", settings_of(time_zone="Europe/Warsaw"))

    shop.merchant.refresh_from_db()
    assert shop.merchant.timezone == "Europe/Warsaw"


def test_the_refusal_has_a_stable_code(shop):
    with pytest.raises(merchants_errors.CurrencyInUse) as refused:
        merchants_services.merchant_settings_update(
            actor=shop.staff[Role.OWNER].actor(),
            name="Blue Cup",
            business_type=BusinessType.CAFE,
            country="UA",
            currency="eur",
            timezone="Europe/Kyiv",
            locale="uk",
            currency_in_use=True,
        )
    assert refused.value.code == "currency_in_use"
    assert refused.value.status == 409


def test_an_unknown_time_zone_is_refused(shop):
    response = signed_in(shop, Role.OWNER).post("/panel/business/", settings_of(time_zone="Nowhere/Else"))
    assert response.status_code == 400
    assert "time_zone" in response.context["form"].errors
