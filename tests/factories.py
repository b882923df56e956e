"""factory_boy factories for the domain. Tenancy is built top-down: a card's merchant is its program's merchant."""

import factory
from factory.django import DjangoModelFactory

from stampcard.cards.counts import card_counted
from stampcard.cards.models import Card, EarningRule, Program
from stampcard.cards.versions import program_version_current
from stampcard.core.codes import random_card_number, random_card_qr
from stampcard.core.text import fold
from stampcard.customers.models import Customer
from stampcard.merchants.models import Location, Membership, Merchant, Role, StaffUser, Subscription


class MerchantFactory(DjangoModelFactory):
    class Meta:
        model = Merchant
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Cafe {n}")
    currency = "UAH"
    timezone = "Europe/Kyiv"
    subscription = factory.RelatedFactory("tests.factories.SubscriptionFactory", factory_related_name="merchant")


class SubscriptionFactory(DjangoModelFactory):
    class Meta:
        model = Subscription

    merchant = factory.SubFactory(MerchantFactory, subscription=None)
    plan = "free"


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = Location

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Spot {n}")


class StaffUserFactory(DjangoModelFactory):
    class Meta:
        model = StaffUser
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@example.com")
    password = factory.django.Password("correct horse battery staple")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    merchant = factory.SubFactory(MerchantFactory)
    user = factory.SubFactory(StaffUserFactory)
    role = Role.CASHIER


class ProgramFactory(DjangoModelFactory):
    class Meta:
        model = Program

    merchant = factory.SubFactory(MerchantFactory)
    name = "Coffee card"
    is_default = True
    goal = 8
    earning_rule = EarningRule.PER_RECEIPT
    reward_title = "Free coffee"


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    name_folded = factory.LazyAttribute(lambda o: fold(o.name))


def card_number_unused(merchant) -> str:
    """A random card number no card of ``merchant`` holds yet: the service retries on a clash, a factory cannot
    (thirty cards in one shop clash about once in a thousand runs)."""
    while True:
        number = random_card_number()
        if not Card.objects.filter(merchant=merchant, number=number).exists():
            return number


class CardFactory(DjangoModelFactory):
    class Meta:
        model = Card

    program = factory.SubFactory(ProgramFactory)
    merchant = factory.SelfAttribute("program.merchant")
    customer = factory.SubFactory(CustomerFactory, merchant=factory.SelfAttribute("..program.merchant"))
    number = factory.LazyAttribute(lambda card: card_number_unused(card.merchant))
    qr_payload = factory.LazyFunction(random_card_qr)
    # Like a real enrolment: the card follows the program's rules as they are when it joins.
    program_version = factory.LazyAttribute(lambda card: program_version_current(program=card.program))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Counted like an issued card (``counts``), so totals read from the counts (the dashboard, the designer's
        # list) show the factory's cards too.
        card = super()._create(model_class, *args, **kwargs)
        card_counted(card=card)
        return card
