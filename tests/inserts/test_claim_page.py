"""The page an insert's QR opens: a new customer joins and collects, a returning phone collects by itself; GET never
writes a claim; used inserts and second inserts of a batch are refused kindly."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stampcard.cards import links
from stampcard.cards.models import Card, CardEvent, Check, EventKind
from stampcard.customers.models import Customer
from stampcard.inserts.models import InsertBatch, InsertClaim
from stampcard.merchants.actors import Channel
from stampcard.vouchers.models import Voucher
from tests.conftest import reload
from tests.factories import CardFactory, CustomerFactory, MerchantFactory, ProgramFactory
from tests.inserts.conftest import claim_path, inserts_of, join_data, make_batch, phone_with_card
from tests.public.conftest import IPHONE_UA

pytestmark = pytest.mark.django_db


@pytest.fixture
def insert(batch):
    return inserts_of(batch)[0]


def html_of(response) -> str:
    return response.content.decode()


def test_an_unknown_insert_is_a_404_page(phone, batch):
    for token in ("0" * 16, "short", "x" * 80):
        response = phone.get(f"/i/{token}")
        assert response.status_code == 404
        assert "Insert not found" in html_of(response)
    assert reload(batch).scans == 0


def test_a_new_phone_sees_the_gift_and_a_short_join_form(phone, insert):
    response = phone.get(claim_path(insert))

    assert response.status_code == 200
    html = html_of(response)
    assert 'data-testid="benefit">A free stamp<' in html
    assert insert.batch.merchant.name in html
    assert 'name="name"' in html and 'name="terms"' in html and 'name="phone"' not in html
    assert "Get my card and the gift" in html
    assert response["Cache-Control"] == "private, no-store"


def test_opening_the_page_counts_a_scan_and_writes_nothing_else(phone, insert, program):
    for _ in range(3):
        phone.get(claim_path(insert))

    assert reload(insert.batch).scans == 3
    assert not InsertClaim.objects.exists() and not Customer.objects.exists() and not Card.objects.exists()


@pytest.mark.parametrize("holds_the_card", [False, True])
def test_the_only_write_of_a_get_is_the_scan_counter(insert, card, phone, holds_the_card):
    if holds_the_card:
        phone = phone_with_card(card)

    with CaptureQueriesContext(connection) as queries:
        assert phone.get(claim_path(insert)).status_code == 200

    writes = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))
    ]
    assert len(writes) == 1 and writes[0].startswith('UPDATE "inserts_insertbatch" SET "scans"'), writes


def test_a_new_customer_joins_collects_and_lands_on_the_web_card(phone, insert, program):
    response = phone.post(claim_path(insert), join_data(name="Olena", email="olena@example.com"))

    card = Card.objects.get(program=program)
    assert response.status_code == 302
    assert response["Location"] == links.web_card_path(card) + "?new=1"
    assert reload(card).stamps == 1 and card.customer.email == "olena@example.com"
    claim = InsertClaim.objects.get(insert=insert)
    assert claim.card == card and claim.new_customer is True
    event = CardEvent.objects.get(card=card, kind=EventKind.STAMP)
    assert event.channel == Channel.INSERT and event.check_ref.pos == "insert"
    page = phone.get(response["Location"])
    assert "1 of 8 stamps" in html_of(page) and "Welcome! Your card is ready." in html_of(page)


def test_the_join_form_needs_a_name_and_the_terms(phone, insert):
    response = phone.post(claim_path(insert), join_data(name="", terms=None))

    assert response.status_code == 422
    assert "A name is required." in html_of(response) and "Accept the terms to get your card." in html_of(response)
    assert not Card.objects.exists() and not InsertClaim.objects.exists()


def test_a_phone_holding_the_card_collects_with_an_auto_submitted_form(insert, card):
    phone = phone_with_card(card)

    page = phone.get(claim_path(insert))

    html = html_of(page)
    assert f"Welcome back, {card.customer.name}!" in html
    assert re.search(r'<form method="post" id="collect">.*<button type="submit">Add it to my card</button>', html, re.S)
    assert 'document.getElementById("collect").submit()' in html
    assert not InsertClaim.objects.exists()  # the GET only showed it

    response = phone.post(claim_path(insert))

    assert response.status_code == 302 and response["Location"] == links.web_card_path(card)
    assert reload(card).stamps == 1
    assert InsertClaim.objects.get(insert=insert).new_customer is False


def test_a_repeated_post_from_the_same_phone_gives_nothing_more(insert, card):
    phone = phone_with_card(card)
    phone.post(claim_path(insert))

    again = phone.post(claim_path(insert))

    assert again.status_code == 302 and again["Location"] == links.web_card_path(card)
    assert reload(card).stamps == 1 and Check.objects.count() == 1
    assert "You already collected this insert." in html_of(phone.get(claim_path(insert)))


def test_a_used_insert_says_so_to_the_next_person(insert, card, program, phone):
    phone_with_card(card).post(claim_path(insert))

    page = phone.get(claim_path(insert))
    other = CardFactory(program=program)
    refused = phone_with_card(other).post(claim_path(insert))

    assert "This insert was already used" in html_of(page) and "Get the loyalty card anyway" in html_of(page)
    assert refused.status_code == 409 and "This insert was already used" in html_of(refused)
    assert reload(other).stamps == 0


def test_a_new_customer_on_a_used_insert_keeps_the_card_without_the_gift(insert, card, program, phone):
    phone_with_card(card).post(claim_path(insert))

    response = phone.post(claim_path(insert), join_data(name="Late Taras"))

    late = Card.objects.get(customer__name="Late Taras")
    assert response.status_code == 409 and "This insert was already used" in html_of(response)
    assert links.web_card_path(late) in html_of(response) and late.stamps == 0


def test_a_second_insert_of_the_same_batch_is_refused_kindly(batch, card):
    first, second = inserts_of(batch)[:2]
    phone = phone_with_card(card)
    phone.post(claim_path(first))

    page = phone.get(claim_path(second))
    response = phone.post(claim_path(second))

    for html in (html_of(page), html_of(response)):
        assert "You already have this gift" in html and "Thank you for ordering from us again!" in html
    assert 'id="collect"' not in html_of(page)
    assert response.status_code == 409 and reload(card).stamps == 1
    assert not InsertClaim.objects.filter(insert=second).exists()


def test_a_voucher_insert_lands_on_the_card_with_the_voucher(phone, manager_actor, program):
    batch = make_batch(manager_actor, kind="voucher", title="Free cappuccino", validity={"days": 30})
    insert = inserts_of(batch)[0]
    assert "Valid for 30 days after you collect it." in html_of(phone.get(claim_path(insert)))

    response = phone.post(claim_path(insert), join_data())

    card_page = html_of(phone.get(response["Location"]))
    assert "Your vouchers" in card_page and "Free cappuccino" in card_page
    assert Voucher.objects.get().card == Card.objects.get()


def test_a_gift_insert_lands_on_the_card_with_the_gift_ready(phone, manager_actor, program):
    insert = inserts_of(make_batch(manager_actor, kind="gift", title="Cookie with your coffee"))[0]
    assert "It waits for you at the counter" in html_of(phone.get(claim_path(insert)))

    response = phone.post(claim_path(insert), join_data())

    card_page = html_of(phone.get(response["Location"]))
    assert "Rewards ready" in card_page and "Cookie with your coffee" in card_page


def test_an_email_of_an_existing_customer_is_sent_a_code_and_the_insert_stays_free(
    phone, insert, program, django_capture_on_commit_callbacks
):
    CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, email="olena@example.com"))

    with django_capture_on_commit_callbacks(execute=True):
        response = phone.post(claim_path(insert), join_data(email="olena@example.com"))

    html = html_of(response)
    assert response.status_code == 200 and "You already have a card with us" in html
    assert re.search(r'href="/recover/code\?t=[^"]+"', html)
    assert mail.outbox[0].to == ["olena@example.com"]
    assert not InsertClaim.objects.exists() and Customer.objects.count() == 1


def test_a_card_remembered_for_another_merchant_does_not_collect_here(insert, program):
    elsewhere = CardFactory(program=ProgramFactory(merchant=MerchantFactory()))
    phone = phone_with_card(elsewhere)

    html = html_of(phone.get(claim_path(insert)))
    response = phone.post(claim_path(insert), {})

    assert 'id="collect"' not in html and 'name="name"' in html
    assert response.status_code == 422 and not InsertClaim.objects.exists()


def test_too_many_claims_from_one_ip_are_refused_for_a_while(settings, manager_actor, program, phone):
    settings.STAMPCARD = {**settings.STAMPCARD, "INSERT_CLAIMS_PER_IP": 2}
    inserts = inserts_of(make_batch(manager_actor, count=3))
    for insert in inserts[:2]:
        assert phone.post(claim_path(insert), join_data(name="", terms=None)).status_code == 422

    response = phone.post(claim_path(inserts[2]), join_data())

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many tries from this network" in html_of(response)
    assert not Card.objects.exists()
    other_ip = Client(headers={"User-Agent": IPHONE_UA}, REMOTE_ADDR="10.0.0.9")
    assert other_ip.post(claim_path(inserts[2]), join_data()).status_code == 302


def test_the_page_speaks_ukrainian(insert):
    phone = Client(headers={"User-Agent": IPHONE_UA, "Accept-Language": "uk"})

    html = html_of(phone.get(claim_path(insert)))

    assert '<html lang="uk">' in html
    assert "Ваше ім&#x27;я" in html or "Ваше ім'я" in html  # the join form's own labels, translated


def test_only_get_and_post(phone, insert):
    assert phone.put(claim_path(insert)).status_code == 405


def test_a_batch_of_another_merchant_never_mixes_with_this_one(insert, card):
    stranger_program = ProgramFactory(merchant=MerchantFactory())
    their_card = CardFactory(program=stranger_program)
    phone = phone_with_card(their_card)

    phone.post(claim_path(insert), join_data(name="Stranger"))

    assert reload(their_card).stamps == 0
    new = InsertClaim.objects.get(insert=insert).card
    assert new.merchant == insert.batch.merchant and new != their_card
    assert InsertBatch.objects.count() == 1
