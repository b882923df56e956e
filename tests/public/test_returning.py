"""A returning customer gets their existing card, and nobody gets someone else's card by typing their email."""

import re

import pytest
from django.core import mail
from django.test import Client

from stampcard.cards import links
from stampcard.cards.models import Card
from stampcard.customers.models import Customer
from stampcard.public.remember import remembered_card
from tests.factories import CardFactory, CustomerFactory, ProgramFactory
from tests.public.conftest import IPHONE_UA, join_data, ticket_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def olena_card(program):
    customer = CustomerFactory(
        merchant=program.merchant, name="Olena Secret", email="olena@example.com", phone="+380501234567"
    )
    return CardFactory(program=program, customer=customer, stamps=5)


def code_from_mail() -> str:
    assert len(mail.outbox) == 1
    return re.search(r"\b(\d{6})\b", mail.outbox[0].body).group(1)


def test_the_same_email_from_a_new_phone_gets_a_code_not_the_card(phone, program, olena_card, committed):
    with committed(execute=True):
        response = phone.post(links.join_path(program), join_data(name="Someone", email="OLENA@example.com"))

    assert response.status_code == 302
    assert response["Location"].startswith("/recover/code?")
    assert Customer.objects.filter(merchant=program.merchant).count() == 1
    assert mail.outbox[0].to == ["olena@example.com"]
    page = phone.get(response["Location"]).content.decode()
    assert "You already have a card here" in page
    for secret in ("Olena Secret", olena_card.number, "olena@example.com"):
        assert secret not in page


def test_the_code_opens_the_existing_card_and_remembers_it(phone, program, olena_card, committed):
    with committed(execute=True):
        code_page = phone.post(links.join_path(program), join_data(email="olena@example.com"))["Location"]
    ticket = ticket_of(code_page)

    response = phone.post("/recover/code", {"t": ticket, "code": code_from_mail()})

    assert response.status_code == 302
    assert response["Location"] == links.web_card_path(olena_card)
    assert Card.objects.filter(program=program).count() == 1
    card_page = phone.get(response["Location"])
    assert remembered_card(card_page.wsgi_request) == olena_card


def test_the_same_phone_number_sends_the_code_to_the_email_on_file(phone, program, olena_card, committed):
    with committed(execute=True):
        response = phone.post(links.join_path(program), join_data(phone="+380 50 123 45 67"))

    assert response["Location"].startswith("/recover/code?")
    assert mail.outbox[0].to == ["olena@example.com"]


def test_a_phone_number_known_without_an_email_is_sent_to_the_counter(phone, program, committed):
    CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, phone="+380501234567"))

    with committed(execute=True):
        response = phone.post(links.join_path(program), join_data(phone="+380501234567"))

    assert response.status_code == 422
    assert "Ask at the counter" in response.content.decode()
    assert not mail.outbox
    assert Card.objects.filter(program=program).count() == 1


def test_a_device_that_already_holds_the_card_goes_straight_to_it(phone, program, olena_card, committed):
    phone.get(links.web_card_path(olena_card))  # this phone opened the card before

    with committed(execute=True):
        response = phone.post(links.join_path(program), join_data(email="olena@example.com"))

    assert response.status_code == 302
    assert response["Location"] == links.web_card_path(olena_card)
    assert not mail.outbox


def test_a_device_holding_someone_elses_card_still_needs_the_code(program, olena_card):
    other = CardFactory(program=program)
    device = Client(headers={"User-Agent": IPHONE_UA})
    device.get(links.web_card_path(other))

    response = device.post(links.join_path(program), join_data(email="olena@example.com"))

    assert response["Location"].startswith("/recover/code?")


def test_a_customer_of_another_program_proves_the_email_and_gets_this_programs_card(
    phone, merchant, olena_card, committed
):
    second = ProgramFactory(merchant=merchant, is_default=False, name="Pastry card")
    with committed(execute=True):
        code_page = phone.post(links.join_path(second), join_data(email="olena@example.com"))["Location"]
    ticket = ticket_of(code_page)

    response = phone.post("/recover/code", {"t": ticket, "code": code_from_mail()})

    new_card = Card.objects.get(program=second)
    assert new_card.customer_id == olena_card.customer_id
    assert response["Location"] == links.web_card_path(new_card)
