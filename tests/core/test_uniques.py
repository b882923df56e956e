"""Drawing a random code again when the unique index refuses it (``core.uniques.insert_with_fresh_code``)."""

import pytest
from django.db import IntegrityError

from stampcard.cards.models import Card
from stampcard.core.uniques import insert_with_fresh_code
from tests.factories import CardFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_taken_code_is_drawn_again_until_the_row_goes_in():
    taken = CardFactory()
    newcomer = CustomerFactory(merchant=taken.merchant)
    numbers = iter([taken.number, taken.number, "777777"])

    card = insert_with_fresh_code(
        lambda: Card.objects.create(
            merchant_id=taken.merchant_id,
            program=taken.program,
            customer=newcomer,
            number=next(numbers),
            qr_payload=f"SC1:{'7' * 26}",
        ),
        attempts=3,
        what="card number",
    )

    assert card.number == "777777" and Card.objects.filter(merchant_id=taken.merchant_id).count() == 2


def test_a_row_a_concurrent_request_made_is_the_answer_instead_of_a_new_draw():
    calls = []

    def insert():
        calls.append("insert")
        raise IntegrityError("duplicate key")

    assert insert_with_fresh_code(insert, attempts=5, what="token", on_conflict=lambda: "theirs") == "theirs"
    assert calls == ["insert"]


def test_a_full_code_space_is_an_error_that_names_what_ran_out():
    def insert():
        raise IntegrityError("duplicate key")

    with pytest.raises(RuntimeError, match="no free receipt code after 4 attempts"):
        insert_with_fresh_code(insert, attempts=4, what="receipt code", on_conflict=lambda: None)
