"""A new look for a program reaches every card at once: each is marked changed and announced after commit."""

import pytest

from stampcard.cards.design import program_design_update
from stampcard.cards.services import checkout_commit
from stampcard.core.errors import ValidationFailed
from stampcard.merchants.errors import RoleForbidden
from stampcard.wallet.changes import card_in_wallet, cards_changed
from tests.cards.helpers import a_check
from tests.conftest import reload
from tests.factories import CardFactory


@pytest.fixture
def announced():
    seen: list[int] = []

    def receiver(sender, card_ids, **kwargs):
        seen.extend(card_ids)

    cards_changed.connect(receiver)
    yield seen
    cards_changed.disconnect(receiver)


def test_a_design_change_marks_every_card_changed_after_commit(
    manager, program, announced, django_capture_on_commit_callbacks
):
    held = [CardFactory(program=program, in_wallet=True) for _ in range(3)]
    web_only = CardFactory(program=program)

    with django_capture_on_commit_callbacks(execute=True):
        program_design_update(actor=manager.actor(), program_id=str(program.pk), background_color="#112233")

    assert reload(program).background_color == "#112233"
    assert all(reload(card).changed_at is not None for card in [*held, web_only])
    assert sorted(announced) == sorted(card.pk for card in held)  # no wallet holds the last one: nobody to tell


def test_a_bad_colour_is_refused_naming_the_field(manager, program):
    with pytest.raises(ValidationFailed) as refused:
        program_design_update(actor=manager.actor(), program_id=str(program.pk), label_color="yellow")

    assert refused.value.details["fields"][0]["field"] == "label_color"


def test_a_cashier_cannot_restyle_a_program(cashier, program):
    with pytest.raises(RoleForbidden):
        program_design_update(actor=cashier.actor(), program_id=str(program.pk), name="Mine now")


def test_a_stamp_announces_a_card_a_wallet_holds_after_commit(
    cashier, program, announced, django_capture_on_commit_callbacks
):
    held, web_only = CardFactory(program=program), CardFactory(program=program)
    card_in_wallet(card_id=held.pk)

    with django_capture_on_commit_callbacks(execute=True):
        for card in (held, web_only):
            checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check())

    assert set(announced) == {held.pk}
    assert reload(held).changed_at is not None and reload(web_only).changed_at is not None
