"""A manager limited to some locations sees only those locations' events in the journal and only their customers
(cards with a ledger line there) in the customers list, in the panel and in API v1 alike."""

import pytest

from stampcard.merchants.models import Role
from tests.api.helpers import get
from tests.factories import CardFactory, LocationFactory
from tests.panel.conftest import signed_in
from tests.panel.journal.helpers import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_counters(shop):
    """The shop's card stamped at its centre, another card stamped at a riverside counter only, and a panel
    adjustment (no location) on each; the manager limited to the centre."""
    riverside = LocationFactory(merchant=shop.merchant, name="Riverside")
    theirs = CardFactory(program=shop.program)
    events = {
        "here": record(shop, location=shop.location),
        "here_no_location": record(shop, delta=2),
        "there": record(shop, card=theirs, location=riverside),
        "there_no_location": record(shop, card=theirs, delta=3),
    }
    shop.staff[Role.MANAGER].membership.locations.set([shop.location])
    return riverside, theirs, events


def test_the_journal_shows_a_limited_manager_only_their_locations(shop, two_counters):
    riverside, theirs, events = two_counters
    client = signed_in(shop, Role.MANAGER)

    html = client.get("/panel/journal/").content.decode()

    assert f'data-event="{events["here"].pk}"' in html and f'data-event="{events["here_no_location"].pk}"' in html
    assert f'data-event="{events["there"].pk}"' not in html
    assert f'data-event="{events["there_no_location"].pk}"' not in html
    assert f'value="{riverside.pk}"' not in html  # not offered as a filter either
    assert client.get(f"/panel/journal/{events['there'].pk}/card/").status_code == 404
    assert client.get(f"/panel/journal/{events['here'].pk}/card/").status_code == 200


def test_an_unlimited_manager_sees_every_location(shop, two_counters):
    _riverside, _theirs, events = two_counters

    html = signed_in(shop, Role.OWNER).get("/panel/journal/").content.decode()

    assert all(f'data-event="{event.pk}"' in html for event in events.values())


def test_the_customers_list_shows_a_limited_manager_only_their_customers(shop, two_counters):
    _riverside, theirs, _events = two_counters
    client = signed_in(shop, Role.MANAGER)

    html = client.get("/panel/customers/").content.decode()

    assert shop.card.number in html and theirs.number not in html
    assert client.get(f"/panel/customers/{theirs.customer_id}/").status_code == 404
    assert client.get(f"/panel/customers/{shop.card.customer_id}/").status_code == 200
    assert theirs.number in signed_in(shop, Role.OWNER).get("/panel/customers/").content.decode()


def test_the_api_shows_a_limited_manager_only_their_locations(shop, two_counters):
    _riverside, theirs, events = two_counters
    client = shop.staff[Role.MANAGER].client()

    journal = {row["id"] for row in get(client, "/journal").json()["results"]}
    customers = {row["card"]["number"] for row in get(client, "/customers").json()["results"]}

    assert journal == {str(events["here"].pk), str(events["here_no_location"].pk)}
    assert customers == {shop.card.number}
    assert get(client, f"/customers/{theirs.customer_id}").status_code == 404
    assert len(get(shop.staff[Role.OWNER].client(), "/journal").json()["results"]) == 4
