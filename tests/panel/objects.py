"""What the URL walk (test_url_walk.py) puts in a panel URL's parameters: one maker per parameter name.

A maker takes a ``Shop`` (a merchant with its staff and objects) and returns the value for that parameter, an object
of that merchant. Each part of the panel registers its makers in a ``makers.py`` module beside its tests
(``tests/panel/<part>/makers.py``); the walk imports them all.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from stampcard.cards.models import Card, Program
from stampcard.merchants.models import Location, Merchant, Role
from tests.conftest import Staff, make_staff
from tests.factories import CardFactory, LocationFactory, MerchantFactory, ProgramFactory


@dataclass
class Shop:
    merchant: Merchant
    location: Location
    program: Program
    card: Card
    staff: dict[Role, Staff] = field(default_factory=dict)
    # Anything a maker made once for this shop, by parameter name, so two parameters can share an object.
    made: dict[str, object] = field(default_factory=dict)


def shop_create(name: str) -> Shop:
    merchant = MerchantFactory(name=name)
    location = LocationFactory(merchant=merchant, name=f"{name} Centre")
    program = ProgramFactory(merchant=merchant)
    card = CardFactory(program=program)
    shop = Shop(merchant=merchant, location=location, program=program, card=card)
    for role in (Role.OWNER, Role.MANAGER, Role.CASHIER):
        shop.staff[role] = make_staff(merchant, role)
    return shop


Maker = Callable[[Shop], object]
OBJECT_MAKERS: dict[str, Maker] = {
    "program_id": lambda shop: shop.program.pk,
    "location_id": lambda shop: shop.location.pk,
    "card_id": lambda shop: shop.card.pk,
    "card_number": lambda shop: shop.card.number,
}


def object_maker(*names: str) -> Callable[[Maker], Maker]:
    """Register ``maker`` for the URL parameters ``names``."""

    def register(maker: Maker) -> Maker:
        for name in names:
            OBJECT_MAKERS[name] = maker
        return maker

    return register
