"""The customer's own data rights from their web card: a code emailed to the card's address confirms "Download my
data" (a JSON file) or "Delete my data" (the erasure); codes are single-use, hashed, limited, and per card."""

import json
import re

import pytest
from django.core import mail
from django.test import Client

from stampcard.cards import links
from stampcard.cards.models import CardLink
from stampcard.customers.models import Customer, CustomerErasure
from stampcard.customers.privacy import customer_erase
from stampcard.public.models import DataRightsCode, RecoveryCode
from stampcard.public.recovery import recovery_request
from tests.factories import CardFactory, CustomerFactory
from tests.public.conftest import IPHONE_UA

pytestmark = pytest.mark.django_db


@pytest.fixture
def olena_card(program):
    customer = CustomerFactory(
        merchant=program.merchant, name="Olena Kovalenko", email="olena@example.com", phone="+380501234567"
    )
    return CardFactory(program=program, customer=customer)


@pytest.fixture
def phone() -> Client:
    return Client(headers={"User-Agent": IPHONE_UA, "Accept-Language": "en"})


def sent_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def ask(phone, card, kind, committed):
    url = f"{links.web_card_path(card)}/data"
    with committed(execute=True):
        return phone.post(url, {"kind": kind})


def test_the_card_page_links_to_the_data_page_which_offers_both(phone, olena_card):
    card_page = phone.get(links.web_card_path(olena_card))
    assert f'href="{links.web_card_path(olena_card)}/data"' in card_page.content.decode()

    page = phone.get(f"{links.web_card_path(olena_card)}/data")

    assert page.status_code == 200
    assert b"Download my data" in page.content and b"Delete my data" in page.content


def test_download_my_data_emails_a_code_that_gives_the_json_once(phone, olena_card, committed):
    asked = ask(phone, olena_card, "export", committed)
    assert asked.status_code == 302
    [message] = mail.outbox
    assert message.to == ["olena@example.com"] and olena_card.merchant.name in message.subject
    code = sent_code()
    row = DataRightsCode.objects.get()
    assert code not in row.code_hash

    download = phone.post(asked["Location"], {"code": code})

    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    data = json.loads(download.content)
    assert data["profile"]["email"] == "olena@example.com" and data["records"]["cards.card"]
    again = phone.post(asked["Location"], {"code": code})
    assert again.status_code == 400 and b"Ask for a new code" in again.content


def test_delete_my_data_erases_the_customer_and_the_old_link_stops_working(phone, olena_card, committed):
    card_url = links.web_card_path(olena_card)
    asked = ask(phone, olena_card, "erase", committed)

    done = phone.post(asked["Location"], {"code": sent_code()})

    assert done.status_code == 200 and b"Your data was deleted" in done.content
    customer = Customer.objects.get(pk=olena_card.customer_id)
    assert customer.erased_at is not None and customer.email == "" and customer.name != "Olena Kovalenko"
    erasure = CustomerErasure.objects.get()
    assert erasure.channel == "public" and erasure.erased_by is None
    assert not CardLink.objects.filter(card=olena_card).exists()
    assert phone.get(card_url).status_code == 404


def test_a_wrong_code_erases_nothing_and_five_lock_the_request(phone, olena_card, committed):
    asked = ask(phone, olena_card, "erase", committed)
    right = sent_code()
    wrong = "000000" if right != "000000" else "111111"

    answers = [phone.post(asked["Location"], {"code": wrong}) for _ in range(5)]
    last = phone.post(asked["Location"], {"code": right})

    assert [a.status_code for a in answers] == [422, 422, 422, 422, 400]
    assert last.status_code == 400
    assert Customer.objects.get(pk=olena_card.customer_id).erased_at is None


def test_a_code_is_good_only_for_its_own_card(phone, program, olena_card, committed):
    other = CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, email="b@example.com"))
    asked = ask(phone, olena_card, "erase", committed)
    request_id = asked["Location"].rsplit("/", 1)[-1]

    response = phone.post(f"{links.web_card_path(other)}/data/{request_id}", {"code": sent_code()})

    assert response.status_code == 404
    assert Customer.objects.filter(erased_at__isnull=False).count() == 0


def test_a_card_without_an_email_is_sent_to_the_counter(phone, program, committed):
    card = CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, email=""))

    response = ask(phone, card, "erase", committed)

    assert response.status_code == 422 and b"Ask at the counter" in response.content and mail.outbox == []


def test_asking_too_often_for_one_card_is_limited(phone, olena_card, committed):
    answers = [ask(phone, olena_card, "export", committed).status_code for _ in range(4)]

    assert answers == [302, 302, 302, 429] and len(mail.outbox) == 3


def test_an_unknown_choice_is_a_clear_400(phone, olena_card):
    response = phone.post(f"{links.web_card_path(olena_card)}/data", {"kind": "everything"})

    assert response.status_code == 400 and mail.outbox == []


def test_erasure_removes_the_lost_phone_recovery_rows_of_the_email(olena_card, manager, committed):
    with committed(execute=True):
        recovery_request(email="olena@example.com")
    assert RecoveryCode.objects.count() == 1

    customer_erase(actor=manager.actor(), customer=olena_card.customer)

    assert RecoveryCode.objects.count() == 0
