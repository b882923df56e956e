"""The claim page a phone opens from the receipt's QR: collect, join and collect, or be told why not."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stampcard.cards import links
from stampcard.cards.models import Card, CardEvent, Check
from stampcard.core import clock
from stampcard.customers.models import Customer
from stampcard.merchants import metering
from stampcard.merchants.models import UsageCounter
from stampcard.merchants.plans import FREE_MONTHLY_OPERATIONS
from stampcard.public.remember import remembered_card
from stampcard.receipts import services, views
from stampcard.receipts.models import ReceiptToken, VoidReason
from stampcard.receipts.presenters import claim_path
from tests.conftest import reload
from tests.factories import CardFactory, CustomerFactory
from tests.public.conftest import ticket_of
from tests.receipts.conftest import holding, join_form

pytestmark = pytest.mark.django_db

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def writes_during(fn) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])]


def test_opening_the_link_writes_nothing_whoever_opens_it(phone, program, print_claim):
    created = print_claim()
    card = CardFactory(program=program)
    preview = holding(phone, card)  # even a phone that holds a card: the collect is a POST

    assert writes_during(lambda: preview.get(claim_path(created.token))) == []
    assert writes_during(lambda: phone.get(claim_path(created.token) + "/qr-58.png")) == []
    assert reload(created.claim).claimed_at is None and reload(card).stamps == 0


def test_a_phone_holding_the_card_gets_a_self_submitting_collect_form(phone, program, print_claim):
    created = print_claim()
    card = CardFactory(program=program, stamps=3)

    page = unescape(holding(phone, card).get(claim_path(created.token)).content.decode())

    assert 'id="collect"' in page and 'name="action" value="collect"' in page
    assert 'document.getElementById("collect").submit()' in page
    assert "Collect 1 stamp" in page  # the visible button: the way without JavaScript
    assert 'name="action" value="join"' not in page


def test_collecting_shows_the_new_count_and_a_link_to_the_card(phone, program, print_claim):
    created = print_claim()
    card = CardFactory(program=program, stamps=3)
    holding(phone, card)

    response = phone.post(claim_path(created.token), {"action": "collect"})

    assert response.status_code == 302 and response["Location"] == claim_path(created.token) + "?done=1"
    page = unescape(phone.get(response["Location"]).content.decode())
    assert "Done: 1 stamp added to your card!" in page
    assert "4 of 8 stamps" in page
    assert links.web_card_path(card) in page
    assert reload(card).stamps == 4 and CardEvent.objects.filter(card=card).count() == 1


def test_reaching_the_goal_on_the_page_names_the_reward(phone, program, print_claim):
    created = print_claim()
    card = CardFactory(program=program, stamps=7)
    holding(phone, card)

    page = unescape(
        phone.get(phone.post(claim_path(created.token), {"action": "collect"})["Location"]).content.decode()
    )

    assert "You have earned: Free coffee! Ask for it at the counter." in page
    assert "0 of 8 stamps" in page


def test_scanning_again_on_the_same_phone_says_so_kindly(phone, program, print_claim):
    created = print_claim()
    card = CardFactory(program=program)
    holding(phone, card).post(claim_path(created.token), {"action": "collect"})

    page = unescape(phone.get(claim_path(created.token)).content.decode())
    replay = phone.post(claim_path(created.token), {"action": "collect"})

    assert "you already collected this receipt's stamps on your card" in page
    assert "1 of 8 stamps" in page and "submit()" not in page
    assert replay.status_code == 302 and replay["Location"] == claim_path(created.token)
    assert reload(card).stamps == 1


def test_another_phone_is_told_the_stamps_were_collected(client, phone, program, print_claim):
    created = print_claim()
    holding(phone, CardFactory(program=program)).post(claim_path(created.token), {"action": "collect"})
    other = holding(client, CardFactory(program=program))

    page = unescape(other.get(claim_path(created.token)).content.decode())

    assert "This receipt's stamps were already collected." in page
    assert "submit()" not in page and 'value="join"' not in page


def test_a_new_customer_joins_and_lands_on_the_web_card_with_the_stamps(phone, program, print_claim):
    created = print_claim()
    page = unescape(phone.get(claim_path(created.token)).content.decode())
    assert 'name="action" value="join"' in page and "submit()" not in page

    response = phone.post(claim_path(created.token), join_form(name="Olena K", email="olena@example.com"))

    card = Card.objects.get(program=program)
    assert response.status_code == 302
    assert response["Location"] == links.web_card_path(card) + "?new=1"
    assert remembered_card(phone.get(claim_path(created.token)).wsgi_request) == card  # the cookie is set
    assert card.stamps == 1 and card.customer.name == "Olena K" and card.customer.terms_accepted_at
    assert reload(created.claim).card == card
    web_card = unescape(phone.get(response["Location"]).content.decode())
    assert "1 of 8 stamps" in web_card and "Welcome! Your card is ready." in web_card
    assert 'data-wallet="apple"' in web_card


def test_the_join_form_needs_a_name_and_the_terms(phone, program, print_claim):
    created = print_claim()

    response = phone.post(claim_path(created.token), join_form(name="", terms=""))

    assert response.status_code == 422
    page = unescape(response.content.decode())
    assert "A name is required." in page and "Accept the terms to get your card." in page
    assert not Card.objects.exists() and reload(created.claim).claimed_at is None


def test_a_returning_customer_proves_the_email_and_the_stamps_go_to_their_card(
    phone, program, print_claim, django_capture_on_commit_callbacks
):
    olena = CustomerFactory(merchant=program.merchant, name="Olena", email="olena@example.com")
    card = CardFactory(program=program, customer=olena, stamps=5)
    created = print_claim()

    with django_capture_on_commit_callbacks(execute=True):
        response = phone.post(claim_path(created.token), join_form(email="OLENA@example.com"))

    assert response.status_code == 302 and response["Location"].startswith(claim_path(created.token) + "/code?t=")
    assert Customer.objects.count() == 1 and reload(card).stamps == 5
    code_page = unescape(phone.get(response["Location"]).content.decode())
    assert "this receipt's stamps go to your card" in code_page and "olena@example.com" not in code_page
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].body).group(1)
    ticket = ticket_of(response["Location"])

    restored = phone.post(response["Location"], {"t": ticket, "code": code})

    assert restored.status_code == 302 and restored["Location"] == claim_path(created.token) + "?done=1"
    assert reload(card).stamps == 6 and reload(created.claim).card == card
    page = unescape(phone.get(restored["Location"]).content.decode())
    assert "6 of 8 stamps" in page
    assert remembered_card(phone.get(claim_path(created.token)).wsgi_request) == card


def test_a_wrong_code_keeps_the_claim_open(phone, program, print_claim, django_capture_on_commit_callbacks):
    CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, email="olena@example.com"))
    created = print_claim()
    with django_capture_on_commit_callbacks(execute=True):
        location = phone.post(claim_path(created.token), join_form(email="olena@example.com"))["Location"]
    ticket = ticket_of(location)

    response = phone.post(
        location, {"t": ticket, "code": "000000" if "000000" not in mail.outbox[0].body else "111111"}
    )

    assert response.status_code == 422 and "This code is not right." in unescape(response.content.decode())
    assert reload(created.claim).claimed_at is None


def test_a_ticket_made_for_another_claim_is_not_accepted(
    phone, program, print_claim, django_capture_on_commit_callbacks
):
    CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, email="olena@example.com"))
    first, second = print_claim(), print_claim()
    with django_capture_on_commit_callbacks(execute=True):
        location = phone.post(claim_path(first.token), join_form(email="olena@example.com"))["Location"]
    ticket = ticket_of(location)

    response = phone.get(claim_path(second.token) + f"/code?t={ticket}")

    assert response.status_code == 302 and response["Location"] == claim_path(second.token)


def test_an_expired_claim_says_when_it_expired(phone, program, print_claim):
    program.merchant.timezone = "Europe/Kyiv"
    program.merchant.save()
    created = print_claim()
    ReceiptToken.objects.filter(pk=created.claim.pk).update(
        expires_at=clock.now().replace(year=2026, month=12, day=15, hour=12, minute=30, second=0, microsecond=0)
    )

    with clock.frozen_at(reload(created.claim).expires_at + timedelta(days=1)):
        page = unescape(phone.get(claim_path(created.token)).content.decode())
        refused = phone.post(claim_path(created.token), join_form())

    assert "This receipt's QR expired on Dec. 15, 2026, 14:30," in page  # 12:30 UTC is 14:30 in Kyiv
    assert refused.status_code == 302 and not Card.objects.exists()


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        (VoidReason.REFUSED, "The payment for this purchase did not go through"),
        (VoidReason.CANCELLED, "This purchase was cancelled"),
        (VoidReason.REVERSED, "This purchase was refunded"),
        (VoidReason.OTHER, "The shop withdrew this receipt"),
    ],
)
def test_a_voided_claim_says_why_in_plain_words(phone, program, print_claim, cashier, reason, words):
    created = print_claim()
    services.receipt_void(actor=cashier.actor(), ref=created.token, reason=reason)
    holding(phone, CardFactory(program=program))

    page = unescape(phone.get(claim_path(created.token)).content.decode())
    collect = phone.post(claim_path(created.token), {"action": "collect"})

    assert words in page and "submit()" not in page
    assert collect.status_code == 302 and not Check.objects.exists()


def test_a_plan_limit_is_explained_and_the_receipt_can_be_scanned_later(phone, program, print_claim):
    created = print_claim()
    card = CardFactory(program=program)
    period = metering.current_period(merchant=program.merchant)
    UsageCounter.objects.create(merchant=program.merchant, period=period, operations=FREE_MONTHLY_OPERATIONS)
    holding(phone, card)

    refused = phone.post(claim_path(created.token), {"action": "collect"})

    assert refused.status_code == 429
    page = unescape(refused.content.decode())
    assert "Your receipt stays valid" in page and "submit()" not in page  # no loop of automatic retries
    assert reload(created.claim).claimed_at is None
    UsageCounter.objects.filter(merchant=program.merchant).update(operations=0)
    assert phone.post(claim_path(created.token), {"action": "collect"}).status_code == 302
    assert reload(card).stamps == 1


def test_a_new_customer_refused_by_the_plan_keeps_the_card_and_the_receipt(phone, program, print_claim):
    created = print_claim()
    period = metering.current_period(merchant=program.merchant)
    UsageCounter.objects.create(merchant=program.merchant, period=period, operations=FREE_MONTHLY_OPERATIONS)

    response = phone.post(claim_path(created.token), join_form())

    card = Card.objects.get()
    assert response.status_code == 429 and "Your receipt stays valid" in unescape(response.content.decode())
    assert card.stamps == 0 and reload(created.claim).claimed_at is None
    assert remembered_card(phone.get(claim_path(created.token)).wsgi_request) == card


def test_an_unknown_token_is_a_404_page(phone, program):
    for path in ("/r/" + "A" * 22, "/r/short", "/r/" + "A" * 22 + "/qr.svg", "/r/" + "A" * 22 + "/code"):
        response = phone.get(path)
        assert response.status_code == 404, path
    assert "This link does not lead to a receipt." in unescape(phone.get("/r/" + "A" * 22).content.decode())
    assert phone.post("/r/" + "B" * 22, {"action": "collect"}).status_code == 404


def test_posts_from_one_address_are_rate_limited_before_any_lookup(phone, program, print_claim, monkeypatch):
    monkeypatch.setattr(views, "POSTS_PER_IP", (3, 600))
    created = print_claim()

    statuses = [phone.post("/r/" + "C" * 22, {"action": "collect"}).status_code for _ in range(3)]
    limited = phone.post(claim_path(created.token), join_form())

    assert statuses == [404, 404, 404]
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "Too many attempts" in unescape(limited.content.decode())
    assert not Card.objects.exists()
    other_address = phone.post(claim_path(created.token), join_form(), REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 302


def test_the_page_speaks_ukrainian(program, print_claim):
    from django.test import Client

    created = print_claim()
    ukrainian = Client(headers={"Accept-Language": "uk"})

    page = unescape(ukrainian.get(claim_path(created.token)).content.decode())

    assert '<html lang="uk">' in page
    assert "Ваше ім'я" in page  # the join form's own words; this page's new ones come with the merged catalogue


def test_the_pages_are_private(phone, program, print_claim):
    created = print_claim()

    response = phone.get(claim_path(created.token))

    assert response["Cache-Control"] == "private, no-store" and response["X-Robots-Tag"] == "noindex"
