"""Fixtures for the customer pages. The wallet links are stubbed: these tests are about our pages, not the wallets
(which have their own tests and talk to their stand-ins)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from stampcard.cards import links
from stampcard.cards.models import Card
from stampcard.public import wallets

IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
ANDROID_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
DESKTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)


def fake_apple_url(card) -> str:
    return f"https://wallet.test/apple/{card.number}.pkpass"


def fake_google_url(card) -> str:
    return f"https://wallet.test/google/{card.number}"


@pytest.fixture(autouse=True)
def stub_wallet_links(monkeypatch):
    monkeypatch.setitem(wallets.PROVIDERS, "apple", fake_apple_url)
    monkeypatch.setitem(wallets.PROVIDERS, "google", fake_google_url)


@pytest.fixture
def phone() -> Client:
    return Client(headers={"User-Agent": IPHONE_UA, "Accept-Language": "en"})


def join_data(**overrides) -> dict[str, str]:
    data = {"name": "Olena Kovalenko", "email": "", "phone": "", "birthday": "", "terms": "on"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(execute=True):`` runs what the code under test deferred to after its commit (mail)."""
    return django_capture_on_commit_callbacks


def ticket_of(location: str) -> str:
    """The recovery ticket in a code page's URL."""
    return parse_qs(urlsplit(location).query)["t"][0]


def join_in_the_browser(page, live_server, program, *, button: str, name: str = "Olena Kovalenko") -> Card:
    """Fill the join form that the join, receipt and insert pages share, accept the terms, send it with ``button``
    and land on the new card's web page; returns that card."""
    page.get_by_label("Your name").fill(name)
    page.locator("input[name=terms]").check()
    page.get_by_role("button", name=button).click()
    page.wait_for_url("**/c/**")
    card = Card.objects.get(program=program)
    assert page.url.startswith(live_server.url + links.web_card_path(card))
    return card
