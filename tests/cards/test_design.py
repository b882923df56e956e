"""A new look for a program reaches every card at once: each is marked changed, and each card a wallet holds gets its
change recorded for the wallets and announced after commit."""

import pytest
from django.db import transaction

from stampcard.cards import changes
from stampcard.cards.changes import card_in_wallet
from stampcard.cards.design import program_design_update
from stampcard.cards.models import CardChange
from stampcard.checkouts.services import checkout_commit
from stampcard.core.errors import ValidationFailed
from stampcard.merchants.errors import RoleForbidden
from tests.cards.helpers import a_check
from tests.conftest import reload
from tests.factories import CardFactory


@pytest.fixture
def announced(monkeypatch):
    """What cards tells the wallet feed after commit, instead of the feed (which would hand the rows over)."""
    seen: list[int] = []
    monkeypatch.setattr(changes, "follower", seen.extend)
    return seen


def recorded() -> list[int]:
    return sorted(CardChange.objects.values_list("card_id", flat=True))


def test_a_design_change_marks_every_card_changed_after_commit(
    manager, program, announced, django_capture_on_commit_callbacks
):
    held = [CardFactory(program=program, in_wallet=True) for _ in range(3)]
    web_only = CardFactory(program=program)

    with django_capture_on_commit_callbacks(execute=True):
        program_design_update(actor=manager.actor(), program_id=str(program.pk), background_color="#112233")
        assert announced == []  # not before the commit

    assert reload(program).background_color == "#112233"
    assert all(reload(card).changed_at is not None for card in [*held, web_only])
    assert recorded() == sorted(card.pk for card in held)  # no wallet holds the last one: nothing to record
    assert sorted(announced) == sorted(card.pk for card in held)


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
    assert set(recorded()) == {held.pk}
    assert reload(held).changed_at is not None and reload(web_only).changed_at is not None


def test_a_rolled_back_stamp_records_and_announces_nothing(
    cashier, program, announced, django_capture_on_commit_callbacks
):
    held = CardFactory(program=program, in_wallet=True)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        checkout_commit(actor=cashier.actor(), card_ref=held.number, check=a_check())
        assert recorded() == [held.pk]
        raise RuntimeError("the caller's transaction fails after the stamp")

    assert recorded() == [] and announced == []
    assert reload(held).stamps == 0
