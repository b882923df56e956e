"""The customers part's URL parameters for the panel's URL walk: the shop card's customer and a ready reward."""

from stampcard.checkouts import services as checkouts_services
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Role
from tests.panel.objects import Shop, object_maker


@object_maker("customer_id")
def _customer(shop: Shop) -> object:
    # The customer of ``card_id``'s card, so a URL naming both names a card of that customer.
    return shop.card.customer_id


@object_maker("reward_id")
def _reward(shop: Shop) -> object:
    actor = shop.staff[Role.MANAGER].actor(Channel.PANEL)
    result = checkouts_services.card_adjust(
        actor=actor, card_ref=shop.card.number, delta=shop.program.goal, reason="A full card for the walk"
    )
    return result.rewards[0].pk


@object_maker("other_id")
def _other_customer(shop: Shop) -> object:
    # A second customer of the shop with a card of its program: the one a merge of ``customer_id`` takes in.
    from tests.factories import CardFactory, CustomerFactory

    return CardFactory(program=shop.program, customer=CustomerFactory(merchant=shop.merchant)).customer_id


@object_maker("import_id")
def _import(shop: Shop) -> object:
    # A draft import (the file kept, the columns not confirmed yet) of the shop's default program.
    from stampcard.cards.imports import jobs

    actor = shop.staff[Role.MANAGER].actor(Channel.PANEL)
    data = b"Name;Email;Stamps\nOlena;olena@example.com;3\n"
    return jobs.import_job_create(actor=actor, program_id=shop.program.pk, file_name="walk.csv", data=data).pk
