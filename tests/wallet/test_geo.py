"""Each pass carries at most ten of the merchant's locations, nearest to where its card was last stamped first; the
merchant's first ones when the card has no known last visit. Hidden, closed and unplaced locations never ride along."""

from decimal import Decimal

import pytest

from stampcard.cards.checks import CheckInput
from stampcard.checkouts import services as checkouts_services
from stampcard.wallet import geo
from tests.factories import CardFactory, LocationFactory

pytestmark = pytest.mark.django_db


def test_the_haversine_distance_matches_known_city_distances():
    kyiv, lviv = (50.4501, 30.5234), (49.8397, 24.0297)
    assert geo.distance_m(*kyiv, *lviv) == pytest.approx(468_000, rel=0.01)
    assert geo.distance_m(*kyiv, *kyiv) == 0
    # One hundredth of a degree of latitude is about 1.1 km anywhere.
    assert geo.distance_m(50.0, 30.0, 50.01, 30.0) == pytest.approx(1112, rel=0.01)


def a_row_of_locations(merchant, n: int) -> list:
    """``n`` placed locations, created south to north, 0.01 degree of latitude (about 1.1 km) apart."""
    return [
        LocationFactory(merchant=merchant, name=f"L{i}", latitude=Decimal("50.40") + Decimal("0.01") * i, longitude=30)
        for i in range(n)
    ]


def stamped_at(owner, card, location, n: int = 1) -> None:
    for i in range(n):
        checkouts_services.checkout_commit(
            actor=owner.actor(),
            card_ref=card.number,
            check=CheckInput(external_id=f"{card.number}-{location.pk}-{i}", total=10000, currency="UAH"),
            location_id=str(location.pk),
        )


def test_a_card_gets_the_ten_nearest_to_its_last_visit_sorted_by_distance(owner, program, merchant):
    row = a_row_of_locations(merchant, 14)
    card = CardFactory(program=program)
    stamped_at(owner, card, row[2])
    stamped_at(owner, card, row[13])  # the last visit: the northern end of the row

    [chosen] = geo.pass_locations_by_card(cards=[card]).values()

    assert [loc.name for loc in chosen] == [f"L{i}" for i in range(13, 3, -1)]
    distances = [geo.distance_m(50.53, 30, float(loc.latitude), float(loc.longitude)) for loc in chosen]
    assert distances == sorted(distances)


def test_a_card_never_stamped_at_a_place_gets_the_merchants_first_ten(program, merchant):
    a_row_of_locations(merchant, 12)
    card = CardFactory(program=program)

    assert [loc.name for loc in geo.pass_locations_by_card(cards=[card])[card.pk]] == [f"L{i}" for i in range(10)]


def test_hidden_closed_and_unplaced_locations_are_left_out_but_a_hidden_last_visit_still_centres(
    owner, program, merchant
):
    row = a_row_of_locations(merchant, 3)
    hidden = LocationFactory(merchant=merchant, name="Kitchen", latitude=Decimal("50.43"), longitude=30)
    LocationFactory(merchant=merchant, name="Shut", latitude=Decimal("50.425"), longitude=30, is_active=False)
    LocationFactory(merchant=merchant, name="Nowhere")
    hidden.show_on_passes = False
    hidden.save(update_fields=["show_on_passes"])
    card = CardFactory(program=program)
    stamped_at(owner, card, hidden)

    chosen = geo.pass_locations_by_card(cards=[card])[card.pk]

    assert [loc.name for loc in chosen] == ["L2", "L1", "L0"]
    assert row[0] in chosen


def test_cards_of_two_merchants_in_one_batch_each_get_their_own_merchants_places(owner, program, merchant):
    a_row_of_locations(merchant, 2)
    other = CardFactory()
    LocationFactory(merchant=other.merchant, name="Theirs", latitude=Decimal("48.0"), longitude=Decimal("24.0"))
    ours = CardFactory(program=program)

    chosen = geo.pass_locations_by_card(cards=[ours, other])

    assert [loc.name for loc in chosen[ours.pk]] == ["L0", "L1"]
    assert [loc.name for loc in chosen[other.pk]] == ["Theirs"]
