"""Customer pages (/c/, /r/, /i/, /v/) opened too often from one address get a friendly, translated 429 page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from stampcard.cards import links
from stampcard.core.clock import frozen_at
from tests.factories import CardFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.STAMPCARD = {**settings.STAMPCARD, "PAGE_VIEWS_PER_IP": 3, "PAGE_VIEWS_WINDOW_SECONDS": 600}


def visitor(ip: str = "203.0.113.5", language: str = "en") -> Client:
    return Client(REMOTE_ADDR=ip, headers={"Accept-Language": language})


@pytest.mark.parametrize("prefix", ["/c/", "/r/", "/i/", "/v/"])
def test_every_customer_prefix_counts_and_refuses_past_the_limit(prefix):
    client = visitor()
    with frozen_at(T0):
        for n in range(3):
            assert client.get(f"{prefix}unknown-{n}").status_code == 404

        refused = client.get(f"{prefix}unknown-x")

    assert refused.status_code == 429 and refused["Retry-After"] == "600"
    page = refused.content.decode()
    assert "Too many pages were opened from this network. Try again in 10 min." in page
    assert '<html lang="en">' in page and refused["Cache-Control"] == "private, no-store"


def test_the_refusal_speaks_the_phones_language():
    client = visitor(language="uk")
    with frozen_at(T0):
        for _ in range(4):
            refused = client.get("/v/unknown")

    assert refused.status_code == 429
    page = refused.content.decode()
    with translation.override("uk"):
        text = gettext("Too many pages were opened from this network. Try again in %(minutes)d min.") % {"minutes": 10}
    assert '<html lang="uk">' in page and escape(text) in page


def test_the_limit_is_per_address_and_the_window_passes(program):
    card = CardFactory(program=program)
    with frozen_at(T0):
        for _ in range(3):
            assert visitor().get(links.web_card_path(card)).status_code == 200
        assert visitor().get(links.web_card_path(card)).status_code == 429
        assert visitor(ip="198.51.100.9").get(links.web_card_path(card)).status_code == 200
    with frozen_at(T0 + timedelta(seconds=600)):
        assert visitor().get(links.web_card_path(card)).status_code == 200


def test_other_pages_and_posts_are_not_counted_and_counting_writes_nothing_to_the_database():
    client = visitor()
    with frozen_at(T0), CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            client.get("/healthz")
            client.post("/v/unknown", {})
        assert client.get("/v/unknown").status_code == 404

    assert not [q for q in queries.captured_queries if "throttle" in q["sql"].lower()]
