"""The one-click unsubscribe of our emails (RFC 8058), from the link the SMTP server really received."""

import pytest
from django.test import Client

from stampcard.campaigns.messages import sender
from stampcard.campaigns.messages.models import EmailUnsubscribe, MessageDelivery
from tests.campaigns.messages.conftest import holder, message_to

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_queue")]


@pytest.fixture
def received_link(smtp_server, program):
    """The unsubscribe path of the email Olena received, and her card."""
    program.merchant.locale = "uk"
    program.merchant.save()
    card = holder(program, email="olena@example.com", language="uk")
    sender.message_send(message_id=message_to([card], merchant=program.merchant).pk)
    (received,) = smtp_server.received
    url = received.message["List-Unsubscribe"].strip().strip("<>")
    return url.split("127.0.0.1:8000", 1)[1], card


def one_click(path: str):
    # What a mail app sends (RFC 8058 §3.2): a form POST without cookies, so without a CSRF token.
    client = Client(enforce_csrf_checks=True)
    return client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")


def test_the_one_click_post_withdraws_the_consent_and_records_it(received_link):
    path, card = received_link

    response = one_click(path)

    assert response.status_code == 200
    card.customer.refresh_from_db()
    assert card.customer.marketing_email_consent is False
    (record,) = EmailUnsubscribe.objects.all()
    assert (record.customer_id, record.one_click) == (card.customer_id, True)
    assert record.delivery == MessageDelivery.objects.get(card=card)


def test_unsubscribing_twice_changes_nothing_more(received_link):
    path, _card = received_link

    assert one_click(path).status_code == 200
    assert one_click(path).status_code == 200

    assert EmailUnsubscribe.objects.count() == 1


def test_the_next_message_skips_a_customer_who_unsubscribed(received_link, smtp_server):
    path, card = received_link
    one_click(path)

    message = message_to([card], merchant=card.merchant)
    sender.message_send(message_id=message.pk)

    assert len(smtp_server.received) == 1  # only the first email
    assert MessageDelivery.objects.get(message=message).reason == "unsubscribed"


def test_opening_the_link_only_asks_in_the_customers_language(received_link):
    path, card = received_link

    response = Client().get(path)

    assert response.status_code == 200
    assert response["Content-Language"] == "uk"
    assert '<html lang="uk">' in response.content.decode()
    assert b'<form method="post">' in response.content
    card.customer.refresh_from_db()
    assert card.customer.marketing_email_consent is True


def test_the_pages_button_unsubscribes_without_a_csrf_token(received_link):
    path, card = received_link

    response = Client(enforce_csrf_checks=True).post(path)

    assert response.status_code == 200
    card.customer.refresh_from_db()
    assert card.customer.marketing_email_consent is False
    assert EmailUnsubscribe.objects.get().one_click is False


@pytest.mark.parametrize("token", ["nonsense", "MQ:1xZqI3:forged-signature"])
def test_a_link_that_is_not_ours_is_not_found(db, token):
    assert one_click(f"/m/unsubscribe/{token}").status_code == 404
