"""The journal page: every card event newest first, its filters, local days, keyset pages and who may read it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stampcard.cards import journal
from stampcard.cards.models import EventKind
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Role
from tests.factories import CardFactory, CustomerFactory, LocationFactory
from tests.panel.journal.helpers import record

pytestmark = pytest.mark.django_db

URL = "/panel/journal/"
KYIV = ZoneInfo("Europe/Kyiv")
PAGE_QUERIES = 10  # session, user, memberships, menu and alerts, locations, staff (+ their locations), the viewer's own
# locations (a location-limited manager sees theirs only), events


def shown(response) -> list[int]:
    """The event ids of the page's lines, top to bottom."""
    assert response.status_code == 200, response.content
    html = response.content.decode()
    ids = []
    for part in html.split('data-event="')[1:]:
        ids.append(int(part.split('"', 1)[0]))
    return ids


def test_the_url_name_and_the_menu_entry_lead_to_the_journal(manager_client):
    assert reverse("panel:journal") == URL
    response = manager_client.get(reverse("panel:dashboard"))
    assert URL in response.content.decode()


def test_a_manager_sees_every_event_newest_first_with_customer_staff_and_location(shop, manager_client):
    shop.card.customer.name = "Olena Kovalenko"
    shop.card.customer.save()
    stamp = record(shop, delta=2, location=shop.location, channel=Channel.SCANNER)
    reward = record(shop, kind=EventKind.REWARD_ISSUED, delta=-2)

    response = manager_client.get(URL)

    assert shown(response) == [reward.pk, stamp.pk]
    html = response.content.decode()
    assert "Olena Kovalenko" in html and shop.card.number in html
    assert "Reward issued" in html and "Stamps earned" in html
    assert "+2 stamps, 2 on the card" in html
    assert shop.location.name in html and "Scanner app" in html
    manager = shop.staff[Role.MANAGER].membership.user
    assert (manager.full_name or manager.email) in html


def test_receipt_and_insert_stamps_say_where_they_came_from(shop, manager_client):
    receipt = record(shop, channel=Channel.RECEIPT)
    insert = record(shop, channel=Channel.INSERT)

    html = manager_client.get(URL).content.decode()

    assert "Receipt claim collected" in html and "Insert claimed" in html
    assert shown(manager_client.get(URL, {"channel": "receipt"})) == [receipt.pk]
    assert shown(manager_client.get(URL, {"channel": "insert"})) == [insert.pk]


def test_a_cashier_may_not_read_the_journal(cashier_client):
    assert cashier_client.get(URL).status_code == 403


def test_another_merchants_events_never_show(shop, other_shop, manager_client):
    mine = record(shop)
    record(other_shop)

    assert shown(manager_client.get(URL)) == [mine.pk]


def test_filters_narrow_by_kind_location_staff_and_customer(shop, manager_client):
    elsewhere = LocationFactory(merchant=shop.merchant, name="Harbour")
    other_card = CardFactory(program=shop.program, customer=CustomerFactory(merchant=shop.merchant, name="Taras Bulba"))
    at_centre = record(shop, location=shop.location)
    at_harbour = record(shop, location=elsewhere, role=Role.OWNER)
    adjustment = record(shop, kind=EventKind.ADJUSTMENT, delta=-1, reason="Spilled coffee")
    taras = record(shop, card=other_card)

    assert shown(manager_client.get(URL, {"location": str(elsewhere.pk)})) == [at_harbour.pk]
    assert shown(manager_client.get(URL, {"kind": "adjustment"})) == [adjustment.pk]
    owner = shop.staff[Role.OWNER].membership.user
    assert shown(manager_client.get(URL, {"staff": str(owner.pk)})) == [at_harbour.pk]
    assert shown(manager_client.get(URL, {"customer": "taras"})) == [taras.pk]
    assert shown(manager_client.get(URL, {"customer": other_card.number})) == [taras.pk]
    assert at_centre.pk in shown(manager_client.get(URL, {"location": str(shop.location.pk)}))


def test_an_event_at_half_past_eleven_local_time_is_on_that_local_day(shop, manager_client):
    shop.merchant.timezone = "Europe/Kyiv"
    shop.merchant.save()
    # 23:30 in Kyiv on 14 March is 21:30 UTC: the same calendar day here, the next one nowhere near.
    late = record(shop, at=datetime(2026, 3, 14, 23, 30, tzinfo=KYIV))
    # 00:30 in Kyiv on 15 March is 22:30 UTC on 14 March: a UTC day would wrongly count it on the 14th.
    after_midnight = record(shop, at=datetime(2026, 3, 15, 0, 30, tzinfo=KYIV))

    fourteenth = manager_client.get(URL, {"day_from": "2026-03-14", "day_to": "2026-03-14"})
    fifteenth = manager_client.get(URL, {"day_from": "2026-03-15", "day_to": "2026-03-15"})

    assert shown(fourteenth) == [late.pk]
    assert shown(fifteenth) == [after_midnight.pk]
    assert "23:30" in fourteenth.content.decode()


def test_a_period_that_ends_before_it_starts_is_refused_with_a_message(manager_client):
    response = manager_client.get(URL, {"day_from": "2026-03-15", "day_to": "2026-03-14"})

    assert response.status_code == 200
    assert "The last day comes before the first" in response.content.decode()


def test_bad_filter_values_answer_the_form_not_a_server_error(manager_client):
    bad = ({"location": "nope"}, {"kind": "bogus"}, {"day_from": "31/02"}, {"customer": "x"}, {"cursor": "abc"})
    for params in bad:
        response = manager_client.get(URL, params)
        assert response.status_code == 200, params


def older_link(response) -> str:
    """The page's "Older events" address, or "" on the last page."""
    html = response.content.decode()
    if 'data-testid="journal-older"' not in html:
        return ""
    href = html.split('data-testid="journal-older"')[0].rsplit('href="', 1)[1].split('"', 1)[0]
    return URL + href.replace("&amp;", "&")


def test_pages_follow_the_keyset_cursor_without_gaps_or_repeats(shop, manager_client, monkeypatch):
    monkeypatch.setattr(journal, "PAGE_SIZE", 2)
    events = [record(shop) for _ in range(5)]
    record(shop, kind=EventKind.ADJUSTMENT)  # filtered out on every page

    seen, pages, url = [], 0, URL + "?kind=stamp"
    while url:
        response = manager_client.get(url)
        seen += shown(response)
        pages += 1
        url = older_link(response)

    assert seen == [event.pk for event in reversed(events)]
    assert pages == 3


def test_a_page_costs_the_same_queries_for_one_line_or_fifty(shop, manager_client):
    record(shop)
    manager_client.get(URL)  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        assert manager_client.get(URL).status_code == 200
    other = CardFactory(program=shop.program)
    for index in range(30):
        record(shop, card=other if index % 2 else shop.card, location=shop.location, role=Role.OWNER)
    with CaptureQueriesContext(connection) as many:
        assert len(shown(manager_client.get(URL))) == 31

    assert len(many.captured_queries) == len(one.captured_queries)
    assert len(one.captured_queries) == PAGE_QUERIES, [q["sql"] for q in one.captured_queries]
