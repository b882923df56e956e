"""Lost phone: a one-time code by email restores the card; the answer never tells whether an email is known."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import Client

from stampcard.cards import links
from stampcard.core.clock import frozen_at
from stampcard.core.errors import LimitReached, ValidationFailed
from stampcard.public import recovery, remember
from stampcard.public.models import RecoveryCode
from stampcard.public.recovery import RecoveryFailed, recovery_request, recovery_verify
from tests.factories import CardFactory, CustomerFactory
from tests.public.conftest import IPHONE_UA, ticket_of

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def olena_card(program):
    customer = CustomerFactory(merchant=program.merchant, name="Olena", email="olena@example.com")
    return CardFactory(program=program, customer=customer)


def sent_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


@pytest.fixture
def request_code(committed):
    """Ask for a code and let the mail go out, as it does once the request's transaction commits."""

    def request(email="olena@example.com", **kwargs) -> int:
        with committed(execute=True):
            return recovery_request(email=email, **kwargs)

    return request


def test_a_known_email_gets_a_six_digit_code_stored_only_as_a_hash(olena_card, request_code):
    recovery_id = request_code("  OLENA@example.com ")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["olena@example.com"]
    code = sent_code()
    assert code in message.subject
    row = RecoveryCode.objects.get(pk=recovery_id)
    assert code not in row.code_hash and "olena" not in row.email_hash
    assert recovery_verify(recovery_id=recovery_id, code=code) == [olena_card]


def test_a_code_works_once(olena_card, request_code):
    recovery_id = request_code()
    code = sent_code()
    recovery_verify(recovery_id=recovery_id, code=code)

    with pytest.raises(RecoveryFailed) as refused:
        recovery_verify(recovery_id=recovery_id, code=code)
    assert refused.value.code == "recovery_used"


def test_a_code_expires_after_ten_minutes(olena_card, request_code):
    with frozen_at(T0):
        recovery_id = request_code()
    code = sent_code()

    with frozen_at(T0 + timedelta(minutes=10, seconds=1)), pytest.raises(RecoveryFailed) as refused:
        recovery_verify(recovery_id=recovery_id, code=code)
    assert refused.value.code == "recovery_expired"


def test_a_code_is_still_good_just_before_it_expires(olena_card, request_code):
    with frozen_at(T0):
        recovery_id = request_code()
    with frozen_at(T0 + timedelta(minutes=9, seconds=59)):
        assert recovery_verify(recovery_id=recovery_id, code=sent_code()) == [olena_card]


def test_five_wrong_codes_lock_it_even_for_the_right_one(olena_card, request_code):
    recovery_id = request_code()
    right = sent_code()
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationFailed, match=f"Attempts left: {left}"):
            recovery_verify(recovery_id=recovery_id, code=wrong)
    with pytest.raises(RecoveryFailed):
        recovery_verify(recovery_id=recovery_id, code=wrong)

    with pytest.raises(RecoveryFailed) as refused:
        recovery_verify(recovery_id=recovery_id, code=right)
    assert refused.value.code == "recovery_locked"


def test_a_malformed_code_does_not_use_an_attempt(olena_card, request_code):
    recovery_id = request_code()

    with pytest.raises(ValidationFailed):
        recovery_verify(recovery_id=recovery_id, code="12ab")

    assert RecoveryCode.objects.get(pk=recovery_id).attempts == 0


def test_a_new_code_retires_the_old_one(olena_card, request_code):
    first = request_code()
    first_code = sent_code()
    second = request_code()

    with pytest.raises(RecoveryFailed):
        recovery_verify(recovery_id=first, code=first_code)
    assert recovery_verify(recovery_id=second, code=sent_code()) == [olena_card]


def test_an_unknown_email_gets_no_mail_and_no_code_works(db, request_code):
    recovery_id = request_code("nobody@example.com")

    assert mail.outbox == []
    row = RecoveryCode.objects.get(pk=recovery_id)
    assert row.customer_ids == []
    with pytest.raises(ValidationFailed):
        recovery_verify(recovery_id=recovery_id, code="123456")


def test_an_email_without_a_card_is_treated_as_unknown(db, request_code):
    CustomerFactory(email="nocard@example.com")

    request_code("nocard@example.com")

    assert mail.outbox == []


def test_the_pages_answer_the_same_for_known_and_unknown_emails(olena_card, committed):
    pages = []
    for email in ("olena@example.com", "nobody@example.com"):
        client = Client(headers={"User-Agent": IPHONE_UA})
        with committed(execute=True):
            response = client.post("/recover", {"email": email})
        assert response.status_code == 302
        page = client.get(response["Location"])
        # Per-request values (the form's tokens, the CSP nonce) aside.
        per_request = r'(name="(t|csrfmiddlewaretoken)" value|nonce)="[^"]*"'
        pages.append((page.status_code, re.sub(per_request, "", page.content.decode())))

    assert pages[0] == pages[1]
    assert len(mail.outbox) == 1


def test_asking_too_often_for_one_email_is_limited_the_same_whether_known_or_not(olena_card):
    for email in ("olena@example.com", "nobody@example.com"):
        with frozen_at(T0):
            for _ in range(3):
                recovery_request(email=email)
            with pytest.raises(LimitReached) as limited:
                recovery_request(email=email)
        assert limited.value.details["retry_after"] > 0


def test_the_email_limit_resets_in_the_next_window(olena_card):
    with frozen_at(T0):
        for _ in range(3):
            recovery_request(email="olena@example.com")
    with frozen_at(T0 + timedelta(minutes=15)):
        recovery_request(email="olena@example.com")


def test_one_ip_asking_for_many_emails_is_limited(db):
    with frozen_at(T0):
        for i in range(recovery.IP_LIMIT[0]):
            recovery_request(email=f"guess{i}@example.com", ip="203.0.113.7")
        with pytest.raises(LimitReached):
            recovery_request(email="one-more@example.com", ip="203.0.113.7")
        recovery_request(email="one-more@example.com", ip="198.51.100.1")


def test_the_limit_shows_next_to_the_email_field(olena_card):
    client = Client()
    with frozen_at(T0):
        for _ in range(3):
            client.post("/recover", {"email": "olena@example.com"})
        response = client.post("/recover", {"email": "olena@example.com"})

    assert response.status_code == 422
    assert "Too many codes were asked for" in response.content.decode()


def test_the_whole_flow_restores_the_card_on_a_new_phone(olena_card, committed):
    new_phone = Client(headers={"User-Agent": IPHONE_UA})
    assert new_phone.get("/recover").status_code == 200

    with committed(execute=True):
        code_page = new_phone.post("/recover", {"email": "olena@example.com"})["Location"]
    assert "6-digit code" in new_phone.get(code_page).content.decode()
    response = new_phone.post("/recover/code", {"t": ticket_of(code_page), "code": sent_code()})

    assert response["Location"] == links.web_card_path(olena_card)
    card_page = new_phone.get(response["Location"])
    assert "Add to Apple Wallet" in card_page.content.decode()
    assert remember.remembered_card(card_page.wsgi_request) == olena_card


def test_cards_at_several_merchants_are_all_restored(olena_card, committed):
    elsewhere = CardFactory(customer=CustomerFactory(email="olena@example.com"))
    new_phone = Client()

    with committed(execute=True):
        code_page = new_phone.post("/recover", {"email": "olena@example.com"})["Location"]
    response = new_phone.post("/recover/code", {"t": ticket_of(code_page), "code": sent_code()})

    assert response.status_code == 200
    html = response.content.decode()
    assert links.web_card_path(olena_card) in html and links.web_card_path(elsewhere) in html
    assert set(remember.remembered_cards(new_phone.get("/healthz").wsgi_request)) == {olena_card, elsewhere}


def test_recovery_from_a_join_page_restores_only_that_merchants_card(olena_card, committed):
    CardFactory(customer=CustomerFactory(email="olena@example.com"))  # another merchant
    new_phone = Client()
    ref = links.program_slug(olena_card.program)

    with committed(execute=True):
        code_page = new_phone.post("/recover", {"email": "olena@example.com", "p": ref})["Location"]
    assert olena_card.merchant.name in mail.outbox[0].body
    response = new_phone.post("/recover/code", {"t": ticket_of(code_page), "code": sent_code()})

    assert response["Location"] == links.web_card_path(olena_card)


def test_a_wrong_code_shows_next_to_the_field_and_a_forged_ticket_starts_over(olena_card, committed):
    client = Client()
    with committed(execute=True):
        code_page = client.post("/recover", {"email": "olena@example.com"})["Location"]
    wrong = "000000" if sent_code() != "000000" else "111111"

    response = client.post("/recover/code", {"t": ticket_of(code_page), "code": wrong})

    assert response.status_code == 422
    assert 'id="id_code-error"' in response.content.decode()
    assert client.post("/recover/code", {"t": "1", "code": wrong})["Location"] == "/recover"


def test_the_code_email_follows_the_language_of_the_page(olena_card, committed):
    with committed(execute=True):
        Client(headers={"Accept-Language": "uk"}).post("/recover", {"email": "olena@example.com"})

    assert len(mail.outbox) == 1 and re.search(r"\b\d{6}\b", mail.outbox[0].subject)


def test_old_recovery_codes_are_pruned(olena_card, request_code):
    with frozen_at(T0):
        request_code()
    with frozen_at(T0 + timedelta(days=2)):
        assert recovery.recovery_codes_prune() == 1


def test_an_unknown_program_in_the_recovery_link_is_ignored(db):
    response = Client().get("/recover?p=doesnotexist")

    assert response.status_code == 200


def test_the_prune_tasks_clear_old_codes_and_counters(olena_card, request_code):
    from stampcard.core.models import Throttle
    from stampcard.core.throttle import throttles_prune
    from stampcard.public.tasks import join_prune

    with frozen_at(T0):
        request_code()
    with frozen_at(T0 + timedelta(days=3)):
        result = join_prune.call()
        pruned = throttles_prune.call()

    assert result == {"recovery_codes": 1} and pruned == 2  # the email's two windows
    assert not Throttle.objects.exists()
