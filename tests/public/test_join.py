import pytest
from django.test import Client
from django.urls import reverse

from stampcard.cards import links
from stampcard.cards.models import Card, CardLink
from stampcard.customers.models import Customer
from tests.factories import CustomerFactory, ProgramFactory
from tests.public.conftest import join_data

pytestmark = pytest.mark.django_db


def test_the_join_page_shows_the_program_and_a_form_with_unticked_consents(phone, program):
    response = phone.get(links.join_path(program))

    assert response.status_code == 200
    html = response.content.decode()
    assert program.name in html and program.merchant.name in html
    assert "Free coffee" in html
    assert 'name="marketing_email"' in html and 'name="terms"' in html
    assert " checked" not in html
    assert "csrfmiddlewaretoken" in html
    assert response["Cache-Control"] == "private, no-store"
    # Not no-referrer: Chromium then posts the form with "Origin: null", which the CSRF check refuses.
    assert response["Referrer-Policy"] == "same-origin"


def test_the_join_page_answers_by_program_id_too(phone, program):
    assert phone.get(f"/j/{program.pk}").status_code == 200


def test_unknown_and_inactive_programs_are_not_found(phone, merchant):
    inactive = ProgramFactory(merchant=merchant, is_default=False, is_active=False)

    assert phone.get("/j/nosuchslug").status_code == 404
    assert phone.get(f"/j/{inactive.pk}").status_code == 404
    assert phone.get(links.join_path(inactive)).status_code == 404


def test_joining_with_a_name_only_issues_a_card_and_opens_it(phone, program):
    response = phone.post(links.join_path(program), join_data())

    card = Card.objects.get(program=program)
    assert response.status_code == 302
    assert response["Location"] == links.web_card_path(card) + "?new=1"
    assert card.customer.name == "Olena Kovalenko"
    assert card.customer.terms_accepted_at is not None
    assert card.customer.marketing_email_consent is False


def test_joining_stores_the_details_and_the_consents_given(phone, program):
    phone.post(
        links.join_path(program),
        join_data(
            email=" Olena@Example.com ", phone="+380 (50) 123-45-67", birthday="1991-05-04", marketing_email="on"
        ),
    )

    customer = Customer.objects.get(merchant=program.merchant)
    assert customer.email == "olena@example.com"
    assert customer.phone == "+380501234567"
    assert str(customer.birthday) == "1991-05-04"
    assert customer.marketing_email_consent is True
    assert customer.marketing_email_consent_at is not None
    assert customer.terms_accepted_at is not None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (join_data(name=""), "name", "A name is required."),
        (join_data(terms=None), "terms", "Accept the terms to get your card."),
        (join_data(email="not-an-email"), "email", "Enter a valid email address."),
        (join_data(phone="050 123"), "phone", "international form"),
        (join_data(birthday="2999-01-01"), "birthday", "cannot be in the future"),
        (join_data(birthday="1850-01-01"), "birthday", "Check the year"),
        (join_data(marketing_email="on"), "email", "Give your email address to get news by email."),
    ],
)
def test_an_invalid_join_is_refused_with_the_error_next_to_its_field(phone, program, data, field, message):
    response = phone.post(links.join_path(program), data)

    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html
    error_at = html.index(f'id="id_{field}-error"')
    assert message in html[error_at : error_at + 300]
    assert f'aria-describedby="id_{field}-error"' in html
    assert not Card.objects.exists()


def test_a_refused_join_keeps_what_was_typed(phone, program):
    response = phone.post(links.join_path(program), join_data(email="olena@example.com", phone="12"))

    assert 'value="olena@example.com"' in response.content.decode()


def test_a_join_without_the_csrf_token_is_refused(program):
    client = Client(enforce_csrf_checks=True)

    response = client.post(links.join_path(program), join_data())

    assert response.status_code == 403
    assert not Card.objects.exists()


def test_a_join_with_the_csrf_token_from_the_page_is_accepted(program):
    client = Client(enforce_csrf_checks=True)
    client.get(links.join_path(program))
    token = client.cookies["csrftoken"].value

    response = client.post(links.join_path(program), {**join_data(), "csrfmiddlewaretoken": token})

    assert response.status_code == 302


def test_the_page_follows_the_browsers_language(program):
    response = Client(headers={"Accept-Language": "uk,en;q=0.5"}).get(links.join_path(program))

    html = response.content.decode()
    assert '<html lang="uk">' in html
    assert "Отримати картку" in html


def test_a_device_that_holds_a_card_of_the_program_is_offered_it(phone, program):
    phone.post(links.join_path(program), join_data())
    card = Card.objects.get(program=program)
    phone.get(links.web_card_path(card))

    html = phone.get(links.join_path(program)).content.decode()

    assert links.web_card_path(card) in html


def test_another_merchants_customer_with_the_same_email_is_not_a_returning_customer(phone, program):
    CustomerFactory(email="olena@example.com")  # another merchant

    response = phone.post(links.join_path(program), join_data(email="olena@example.com"))

    assert response.status_code == 302
    assert Customer.objects.filter(merchant=program.merchant, email="olena@example.com").exists()


def test_the_join_slug_and_card_token_are_stable(program, card):
    assert links.program_slug(program) == links.program_slug(program)
    assert links.card_token(card) == links.card_token(card)
    assert CardLink.objects.filter(card=card).count() == 1
    assert len(links.card_token(card)) >= 24


def test_web_card_url_is_base_url_slash_c_slash_token(settings, card):
    settings.BASE_URL = "https://loyalty.example.com"

    url = links.web_card_url(card)

    assert url == f"https://loyalty.example.com/c/{links.card_token(card)}"
    assert reverse("join:card", kwargs={"token": links.card_token(card)}) == f"/c/{links.card_token(card)}"
