import pytest
from django.test import Client

from stampcard.cards import links
from stampcard.cards.models import RewardKind
from stampcard.merchants.actors import Actor, Channel
from stampcard.public import remember, wallets
from stampcard.rewards.models import Reward, RewardState
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.codes import format_code
from tests.factories import CardFactory, ProgramFactory
from tests.public.conftest import ANDROID_UA, DESKTOP_UA, IPHONE_UA

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_card(merchant):
    program = ProgramFactory(
        merchant=merchant,
        goal=9,
        milestones=[
            {"at": 3, "kind": "award", "title": "Cookie"},
            {"at": 9, "kind": "award", "title": "Free coffee"},
        ],
    )
    return CardFactory(program=program, stamps=4)


def test_the_card_page_shows_qr_number_stamps_and_milestones(phone, full_card):
    response = phone.get(links.web_card_path(full_card))

    assert response.status_code == 200
    html = response.content.decode()
    assert full_card.number in html
    assert "4 of 9 stamps" in html
    assert "Cookie" in html and "Free coffee" in html
    assert '<svg viewBox="' in html and 'class="segno"' in html
    assert html.count('class="slot filled') == 4
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"


def test_the_card_page_shows_rewards_ready_and_open_vouchers_only(phone, card):
    Reward.objects.create(
        merchant=card.merchant, card=card, kind=RewardKind.AWARD, title="Free croissant", stamps_spent=8
    )
    Reward.objects.create(
        merchant=card.merchant,
        card=card,
        kind=RewardKind.AWARD,
        title="Old gift",
        stamps_spent=8,
        state=RewardState.WITHDRAWN,
        withdrawn_at="2026-01-01T00:00:00Z",
    )
    actor = Actor(merchant=card.merchant, channel=Channel.SYSTEM)
    [active] = vouchers_services.voucher_issue(actor=actor, title="Free cappuccino", card=card)
    [cancelled] = vouchers_services.voucher_issue(actor=actor, title="Gone latte", card=card)
    vouchers_services.voucher_cancel(actor=actor, code=cancelled.code)

    html = phone.get(links.web_card_path(card)).content.decode()

    assert "Free croissant" in html and "Old gift" not in html
    assert "Free cappuccino" in html and format_code(active.code) in html
    assert "Gone latte" not in html


def test_an_unknown_token_is_not_found(phone):
    assert phone.get("/c/this-token-does-not-exist-at-all").status_code == 404
    assert phone.get("/c/short").status_code == 404


@pytest.mark.parametrize(
    ("user_agent", "apple", "google"),
    [(IPHONE_UA, True, False), (ANDROID_UA, False, True), (DESKTOP_UA, True, True)],
    ids=["iphone", "android", "desktop"],
)
def test_the_device_gets_its_wallet_button(card, user_agent, apple, google):
    html = Client(headers={"User-Agent": user_agent}).get(links.web_card_path(card)).content.decode()

    assert ("Add to Apple Wallet" in html) is apple
    assert ("Save to Google Wallet" in html) is google
    assert (f"https://wallet.test/apple/{card.number}.pkpass" in html) is apple
    assert (f"https://wallet.test/google/{card.number}" in html) is google


def test_without_the_wallets_the_buttons_hide_and_the_web_card_still_works(monkeypatch, card):
    monkeypatch.delitem(wallets.PROVIDERS, "apple")  # a deployment that leaves both wallets out
    monkeypatch.delitem(wallets.PROVIDERS, "google")

    response = Client(headers={"User-Agent": DESKTOP_UA}).get(links.web_card_path(card))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Add to Apple Wallet" not in html and "Save to Google Wallet" not in html
    assert card.number in html


def test_a_wallet_failing_to_make_its_link_hides_only_its_button(monkeypatch, card):
    def broken(card):
        raise RuntimeError("Google is down")

    monkeypatch.setitem(wallets.PROVIDERS, "google", broken)

    html = Client(headers={"User-Agent": DESKTOP_UA}).get(links.web_card_path(card)).content.decode()

    assert "Add to Apple Wallet" in html and "Save to Google Wallet" not in html


def test_opening_the_card_remembers_it_on_this_device(phone, card):
    response = phone.get(links.web_card_path(card))

    cookie = response.cookies[remember.COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    assert remember.remembered_card(phone.get("/healthz").wsgi_request) == card


def test_the_device_remembers_several_cards_most_recent_first(phone, merchant, card):
    other_merchant_card = CardFactory()
    phone.get(links.web_card_path(card))
    phone.get(links.web_card_path(other_merchant_card))

    request = phone.get("/healthz").wsgi_request

    assert remember.remembered_card(request) == other_merchant_card
    assert remember.remembered_card(request, merchant=merchant) == card
    assert remember.remembered_card(request, program=card.program) == card
    assert remember.remembered_cards(request) == [other_merchant_card, card]


def test_a_forged_cookie_remembers_nothing(card):
    client = Client()
    client.cookies[remember.COOKIE_NAME] = links.card_token(card)  # unsigned

    assert remember.remembered_card(client.get("/healthz").wsgi_request) is None


def test_no_cookie_remembers_nothing(client, db):
    assert remember.remembered_card(client.get("/healthz").wsgi_request) is None


def test_the_google_button_links_to_our_redirect_so_the_page_never_waits_for_google(monkeypatch, card):
    monkeypatch.setitem(wallets.PROVIDERS, "google", wallets._google_save_url)
    called = []
    monkeypatch.setattr("stampcard.wallet.google.links.google_save_url", lambda c: called.append(c) or "x")

    html = Client(headers={"User-Agent": ANDROID_UA}).get(links.web_card_path(card)).content.decode()

    assert f"{links.web_card_path(card)}/google" in html and called == []


def test_the_google_redirect_makes_the_save_link_when_tapped(monkeypatch, card):
    monkeypatch.setattr(
        "stampcard.wallet.google.links.google_save_url", lambda c: f"https://pay.google.test/gp/v/save/{c.number}"
    )

    response = Client().get(f"{links.web_card_path(card)}/google")

    assert response.status_code == 302 and response["Location"] == f"https://pay.google.test/gp/v/save/{card.number}"


def test_when_google_fails_the_redirect_returns_to_the_web_card(monkeypatch, card):
    def down(c):
        raise RuntimeError("Google is down")

    monkeypatch.setattr("stampcard.wallet.google.links.google_save_url", down)

    response = Client().get(f"{links.web_card_path(card)}/google")

    assert response.status_code == 302 and response["Location"] == f"{links.web_card_path(card)}?wallet=unavailable"
