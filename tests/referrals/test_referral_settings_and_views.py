"""Who may set a program's referral, the panel's designer step and flag review, the web card's block and API v1."""

import pytest
from django.test import Client

from stampcard.cards import links
from stampcard.core.errors import PermissionDenied, ValidationFailed
from stampcard.merchants.models import Role
from stampcard.referrals import codes, services
from stampcard.referrals.models import Referral, ReferralMode, ReferralSettings, RefusalReason
from tests.conftest import make_staff
from tests.factories import CardFactory, LocationFactory, MerchantFactory, ProgramFactory
from tests.panel.conftest import cashier_client, manager_client, other_shop, shop, signed_in  # noqa: F401 - fixtures
from tests.referrals.conftest import a_phone, join_through, referrals_on

pytestmark = pytest.mark.django_db


def test_a_manager_sets_the_referral_and_a_cashier_may_not(program, manager, cashier):
    services.referral_settings_update(
        actor=manager.actor(), program_id=program.pk, mode="both", reward_kind="voucher", voucher_title=" Free  tea "
    )

    saved = ReferralSettings.objects.get(program=program)
    assert (saved.mode, saved.reward_kind, saved.voucher_title) == ("both", "voucher", "Free tea")
    with pytest.raises(PermissionDenied):
        services.referral_settings_update(actor=cashier.actor(), program_id=program.pk, mode="off")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"mode": "everyone"}, "invalid_referral_mode"),
        ({"mode": "both", "reward_kind": "voucher", "voucher_title": " "}, "referral_voucher_title_required"),
        ({"mode": "both", "reward_stamps": 0}, "invalid_referral_stamps"),
    ],
)
def test_invalid_settings_are_refused_with_a_stable_code(program, manager, fields, code):
    with pytest.raises(ValidationFailed) as refused:
        services.referral_settings_update(actor=manager.actor(), program_id=program.pk, **fields)

    assert refused.value.code == code


def test_another_merchants_program_is_not_found(manager):
    other = ProgramFactory(merchant=MerchantFactory())

    with pytest.raises(Exception) as refused:
        services.referral_settings_update(actor=manager.actor(), program_id=other.pk, mode="both")

    assert getattr(refused.value, "code", "") == "program_not_found"


def test_codes_are_random_stable_and_not_the_card_number(program):
    cards = [CardFactory(program=program) for _ in range(3)]

    made = [codes.referral_code(card) for card in cards]

    assert len(set(made)) == 3 and all(len(code) == codes.CODE_LENGTH for code in made)
    assert [codes.referral_code(card) for card in cards] == made
    assert all(card.number not in code for card, code in zip(cards, made, strict=True))
    assert codes.normalise_code(made[0].lower()) == made[0] and codes.normalise_code("123456") == ""


def test_the_web_card_shows_the_link_and_qr_only_while_referrals_are_on(program, referrer):
    page = a_phone().get(links.web_card_path(referrer)).content.decode()
    assert 'data-testid="referral"' not in page

    referrals_on(program, mode=ReferralMode.REFERRER, reward_stamps=1)
    page = a_phone().get(links.web_card_path(referrer)).content.decode()

    assert 'data-testid="referral"' in page and codes.referral_url(referrer).replace("&", "&amp;") in page
    assert "you get 1 bonus stamp." in page and "<svg" in page.split('data-testid="referral"')[1]


# --- the panel ------------------------------------------------------------------------------------------------------


def test_the_designer_step_saves_the_setting(shop, manager_client):
    url = f"/panel/programs/{shop.program.pk}/referral/"
    assert manager_client.get(url).status_code == 200

    response = manager_client.post(url, {"mode": "friend", "reward_kind": "stamps", "reward_stamps": "3"})

    assert response.status_code == 302 and response["Location"].endswith("/review/")
    assert ReferralSettings.objects.get(program=shop.program).reward_stamps == 3
    refused = manager_client.post(url, {"mode": "both", "reward_kind": "voucher", "reward_stamps": "1"})
    assert refused.status_code == 200 and refused.context["form"].errors


def test_cashiers_do_not_see_the_designer_step(shop, cashier_client):
    assert cashier_client.get(f"/panel/programs/{shop.program.pk}/referral/").status_code in (302, 403, 404)


def test_flagged_referrals_are_listed_for_review_and_marked_reviewed(shop, manager_client):
    referrals_on(shop.program)
    friend = join_through(a_phone(), shop.card, name="Self again")
    Referral.objects.filter(friend_card=friend).update(state="refused", refusal=RefusalReason.DEVICE_FARM, flagged=True)
    referral = Referral.objects.get(friend_card=friend)

    html = manager_client.get("/panel/alerts/").content.decode()
    assert 'data-testid="referral-flag"' in html and "Too many invitations joined from one device" in html

    response = manager_client.post(f"/panel/alerts/referrals/{referral.pk}/review/")

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.reviewed_at is not None and referral.reviewed_by == shop.staff[Role.MANAGER].membership.user
    assert 'data-testid="referral-flag"' not in manager_client.get("/panel/alerts/").content.decode()


def test_staff_limited_to_a_location_neither_see_nor_review_referral_flags(shop):
    referrals_on(shop.program)
    friend = join_through(a_phone(), shop.card, name="Friend")
    Referral.objects.filter(friend_card=friend).update(state="refused", refusal=RefusalReason.IP_FARM, flagged=True)
    limited = make_staff(shop.merchant, Role.MANAGER)
    limited.membership.locations.add(LocationFactory(merchant=shop.merchant))
    client = Client()
    client.force_login(limited.membership.user)

    assert 'data-testid="referral-flag"' not in client.get("/panel/alerts/").content.decode()
    referral = Referral.objects.get(friend_card=friend)
    assert client.post(f"/panel/alerts/referrals/{referral.pk}/review/").status_code == 404


def test_another_shops_manager_cannot_review_a_flag(shop, other_shop):
    referrals_on(shop.program)
    friend = join_through(a_phone(), shop.card, name="Friend")
    Referral.objects.filter(friend_card=friend).update(state="refused", refusal=RefusalReason.IP_FARM, flagged=True)
    referral = Referral.objects.get(friend_card=friend)

    response = signed_in(other_shop, Role.MANAGER).post(f"/panel/alerts/referrals/{referral.pk}/review/")

    assert response.status_code == 404 and Referral.objects.get(pk=referral.pk).reviewed_at is None


# --- API v1 ---------------------------------------------------------------------------------------------------------


def test_the_api_gives_a_cards_link_and_its_invitations(program, referrer, cashier):
    referrals_on(program, mode=ReferralMode.BOTH, reward_stamps=2)
    join_through(a_phone(), referrer, name="Taras")

    body = cashier.client().get(f"/api/v1/cards/{referrer.number}/referral").json()

    assert body["enabled"] is True and body["mode"] == "both" and body["reward_stamps"] == 2
    assert body["code"] == codes.referral_code(referrer) and body["url"].endswith(f"?ref={body['code']}")
    assert body["referrals"] == {"joined": 1, "rewarded": 0, "refused": 0}


def test_the_api_says_off_and_hides_another_merchants_card(program, referrer, cashier):
    body = cashier.client().get(f"/api/v1/cards/{referrer.number}/referral").json()
    stranger = CardFactory(program=ProgramFactory(merchant=MerchantFactory()))

    assert (body["enabled"], body["code"], body["url"]) == (False, None, None)
    response = cashier.client().get(f"/api/v1/cards/{stranger.number}/referral")
    assert response.status_code == 404 and response.json()["code"] == "card_not_found"
    assert Client().get(f"/api/v1/cards/{referrer.number}/referral").status_code == 401
