"""The POS API skips the browser-page middleware (stampcard.core.lanes); pages keep it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.helpers import get

pytestmark = pytest.mark.django_db


def test_an_api_request_with_a_session_cookie_never_loads_the_session(cashier, owner):
    client = cashier.client()
    client.force_login(owner.membership.user)  # a browser that also has the panel open sends its session cookie
    assert get(client, "/merchant").status_code == 200  # the key's last use is recorded from here on

    with CaptureQueriesContext(connection) as captured:
        response = get(client, "/merchant")

    assert response.status_code == 200
    assert not [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]
    assert not response.cookies  # no session or CSRF cookie is set on a till's answer


def test_a_page_still_loads_the_session_of_a_signed_in_owner(owner):
    from django.test import Client

    client = Client()
    client.force_login(owner.membership.user)

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/panel/")

    assert response.status_code in (200, 302)
    assert [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]
