"""The POS API skips the browser-page middleware (stampcard.core.lanes); pages keep it."""

import pytest
from django.test import Client

from tests.api.helpers import get

pytestmark = pytest.mark.django_db

PAGE_ONLY_STATE = ("user", "_messages", "htmx")  # what the auth (with OTP), messages and htmx middleware set up


def test_an_api_request_gets_none_of_the_page_only_request_state(cashier):
    response = get(cashier.client(), "/merchant")

    assert response.status_code == 200
    assert [name for name in PAGE_ONLY_STATE if hasattr(response.wsgi_request, name)] == []


def test_a_page_still_gets_the_signed_in_user_messages_and_htmx(owner):
    client = Client()
    client.force_login(owner.membership.user)

    response = client.get("/panel/")

    assert response.status_code in (200, 302)
    assert all(hasattr(response.wsgi_request, name) for name in PAGE_ONLY_STATE)
    assert response.wsgi_request.user == owner.membership.user
