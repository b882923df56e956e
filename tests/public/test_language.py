"""The customer's own language: kept from the join page, switched on the web card, spoken by their pages and emails."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from stampcard.cards import links
from stampcard.cards.models import Card, CardChange
from stampcard.customers.models import Customer
from stampcard.public import cardlinks
from tests.factories import CardFactory, CustomerFactory, ProgramFactory
from tests.public.conftest import IPHONE_UA, join_data

pytestmark = pytest.mark.django_db


def browser(language: str) -> Client:
    return Client(headers={"User-Agent": IPHONE_UA, "Accept-Language": language})


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.parametrize("language", ["uk", "en"])
def test_a_customer_keeps_the_language_the_join_page_was_shown_in(program, language):
    page = browser(language)

    response = page.post(links.join_path(program), join_data(email="olena@example.com"))

    assert response.status_code == 302
    customer = Customer.objects.get(email="olena@example.com")
    assert customer.language == language
    assert html_lang(page.get(response["Location"])) == language


def test_the_web_card_speaks_the_customers_language_whatever_the_browser_asks(program):
    card = CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, language="uk"))

    response = browser("en").get(links.web_card_path(card))

    html = response.content.decode()
    assert html_lang(response) == "uk" and response["Content-Language"] == "uk"
    assert "Номер картки" in html and "Card number" not in html
    assert 'value="uk" lang="uk" aria-pressed="true">Українська<' in html
    assert 'value="en" lang="en" aria-pressed="false">English<' in html


def test_the_switch_changes_the_language_for_the_card_its_passes_and_this_browser(program):
    customer = CustomerFactory(merchant=program.merchant, language="uk")
    card = CardFactory(program=program, customer=customer, in_wallet=True)
    tea = ProgramFactory(merchant=program.merchant, name="Tea card", is_default=False)
    other = CardFactory(program=tea, customer=customer, in_wallet=True)
    page = browser("uk")
    path = links.web_card_path(card)

    response = page.post(f"{path}/language", {"language": "en"})

    assert response.status_code == 302 and response["Location"] == path
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert Customer.objects.get(pk=customer.pk).language == "en"
    assert set(CardChange.objects.values_list("card_id", flat=True)) == {card.pk, other.pk}  # passes made again
    shown = page.get(path).content.decode()
    assert "Card number" in shown and 'value="en" lang="en" aria-pressed="true"' in shown


def test_choosing_the_language_already_kept_touches_no_pass(program):
    card = CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, language="en"))
    Card.objects.filter(pk=card.pk).update(in_wallet=True)

    browser("en").post(f"{links.web_card_path(card)}/language", {"language": "en"})

    assert not CardChange.objects.exists()


def test_an_unknown_language_is_refused_and_the_switch_takes_only_a_post(card):
    path = f"{links.web_card_path(card)}/language"
    before = card.customer.language

    assert browser("en").post(path, {"language": "de"}).status_code == 400
    assert browser("en").get(path).status_code == 405
    assert browser("en").post("/c/not-a-card-token-at-all/language", {"language": "uk"}).status_code == 404
    assert Customer.objects.get(pk=card.customer_id).language == before


def test_the_data_page_speaks_the_customers_language(program):
    card = CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, language="uk"))

    response = browser("en").get(f"{links.web_card_path(card)}/data")

    assert html_lang(response) == "uk" and "Ваші дані" in response.content.decode()


@pytest.mark.parametrize(("language", "subject"), [("uk", "Ваша картка лояльності"), ("en", "Your ")])
def test_the_card_link_email_is_in_the_customers_language(program, language, subject):
    customer = CustomerFactory(merchant=program.merchant, email="olena@example.com", language=language)
    card = CardFactory(program=program, customer=customer)
    assert program.merchant.locale == "uk"

    cardlinks.card_links_send(cards=[card])

    assert mail.outbox[-1].subject.startswith(subject)


@pytest.mark.parametrize(("language", "words"), [("uk", "ваш код для відновлення"), ("en", "is your code to restore")])
def test_the_recovery_code_is_emailed_in_the_customers_language(program, committed, language, words):
    customer = CustomerFactory(merchant=program.merchant, email="olena@example.com", language=language)
    CardFactory(program=program, customer=customer)

    with committed(execute=True):
        browser("en" if language == "uk" else "uk").post("/recover", {"email": "olena@example.com"})

    assert words in mail.outbox[-1].subject


@pytest.mark.parametrize(("language", "words"), [("uk", "Ваш код для завантаження"), ("en", "Your code to download")])
def test_the_data_rights_code_is_emailed_in_the_customers_language(program, committed, language, words):
    customer = CustomerFactory(merchant=program.merchant, email="olena@example.com", language=language)
    card = CardFactory(program=program, customer=customer)

    with committed(execute=True):
        browser("en" if language == "uk" else "uk").post(f"{links.web_card_path(card)}/data", {"kind": "export"})

    assert mail.outbox[-1].subject.startswith(words)
