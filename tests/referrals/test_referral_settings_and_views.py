"""Who may set a program's referral, the web card's referral block, and API v1."""

import pytest
from django.test import Client

from stampcard.cards import links
from stampcard.core.errors import PermissionDenied, ValidationFailed
from stampcard.referrals import codes, services
from stampcard.referrals.models import ReferralMode, ReferralSettings
from tests.factories import CardFactory, MerchantFactory, ProgramFactory
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
