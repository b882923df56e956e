"""The card read of every checkout, preview and card answer (``cards.selectors.card_fetch``, SQL written once per
process) answers what the queryset it replaced answers: the same card by number, QR payload or id, the survivor of a
merged card, nothing for another tenant's card or a malformed reference, with its rules and customer loaded."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stampcard.cards.locks import card_lock
from stampcard.cards.models import Card
from stampcard.cards.selectors import card_fetch, card_get, card_queryset_for_ref
from stampcard.core.errors import NotFound
from tests.factories import CardFactory, MerchantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def _fields(row):
    return {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields}


def _expected(merchant, ref):
    return card_queryset_for_ref(merchant, ref).select_related("program", "program_version", "customer").first()


@pytest.fixture
def cards(program):
    return [CardFactory(program=program) for _ in range(3)]


@pytest.mark.parametrize("how", ["number", "qr", "qr lower-case with spaces"])
def test_a_card_by_number_or_qr_is_the_querysets_card_with_the_same_values(merchant, cards, how):
    card = cards[1]
    ref = {"number": card.number, "qr": card.qr_payload, "qr lower-case with spaces": f" {card.qr_payload.lower()} "}[
        how
    ]

    fetched = card_fetch(merchant=merchant, ref=ref, with_program=True)

    expected = _expected(merchant, ref)
    assert fetched.pk == expected.pk == card.pk
    assert _fields(fetched) == _fields(expected)
    assert _fields(fetched.customer) == _fields(expected.customer)
    assert fetched.program_version.pk == expected.program_version.pk
    assert fetched.program_version.milestone_list() == expected.program_version.milestone_list()
    assert fetched.program.name == expected.program.name


def test_the_rules_customer_and_program_come_with_the_card_without_another_query(merchant, cards):
    fetched = card_fetch(merchant=merchant, ref=cards[0].number, with_program=True)

    with CaptureQueriesContext(connection) as ctx:
        fetched.rules.milestone_list(), fetched.customer.name, fetched.program.name

    assert ctx.captured_queries == []


def test_a_card_without_a_version_follows_its_programs_rules(merchant, cards):
    Card.objects.filter(pk=cards[0].pk).update(program_version=None)

    fetched = card_fetch(merchant=merchant, ref=cards[0].number)

    assert fetched.program_version is None
    assert fetched.rules.pk == cards[0].program_id


def test_a_merged_card_answers_with_its_survivor(merchant, cards):
    closed, survivor = cards[0], cards[2]
    Card.objects.filter(pk=closed.pk).update(merged_into=survivor)

    assert card_fetch(merchant=merchant, ref=closed.number).pk == survivor.pk
    assert card_fetch(merchant=merchant, ref=closed.qr_payload).pk == survivor.pk
    assert card_get(merchant=merchant, ref=closed.number).pk == _expected(merchant, closed.number).pk


def test_another_tenants_card_and_malformed_references_are_not_found(merchant, cards):
    other = CardFactory(program=ProgramFactory(merchant=MerchantFactory()))

    assert card_fetch(merchant=merchant, ref=other.number) is None
    assert card_fetch(merchant=merchant, ref=other.qr_payload) is None
    assert card_fetch(merchant=merchant, card_id=other.pk) is None
    for ref in ("", "12345", "1234567", "abcdef", "SC-NOPE"):
        assert card_fetch(merchant=merchant, ref=ref) is None
    with pytest.raises(NotFound):
        card_lock(merchant=merchant, ref=other.number)


def test_the_lock_follows_a_merge_to_the_open_card(merchant, cards):
    closed, survivor = cards[0], cards[1]
    Card.objects.filter(pk=closed.pk).update(merged_into=survivor)

    assert card_lock(merchant=merchant, card_id=closed.pk).pk == survivor.pk
