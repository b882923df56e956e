"""Changing a running program: cards keep the rules they joined with until the merchant regenerates them."""

import pytest

from stampcard.cards.models import CardEvent, EventKind, ProgramVersion
from stampcard.cards.services import card_enrol
from stampcard.checkouts.programs import program_cards_regenerate, program_update
from stampcard.checkouts.services import checkout_commit
from stampcard.core.errors import ValidationFailed
from stampcard.merchants.errors import RoleForbidden
from tests.cards.helpers import a_check, ledger_sum
from tests.conftest import reload


@pytest.fixture
def joined(cashier, program):
    """A card that joined on version 1 (goal 8, one stamp per receipt)."""
    return card_enrol(actor=cashier.actor(), name="Olena")


def test_a_card_joins_on_the_programs_current_version(joined, program):
    assert joined.program_version.number == 1 and joined.program_version.goal == program.goal


def test_a_change_makes_a_new_version_that_records_who_changed_what(manager, program, joined):
    version = program_update(actor=manager.actor(), program_id=str(program.pk), goal=5, reward_title="Free tea")

    assert version.number == 2 and reload(program).version == 2
    assert version.changes == {"goal": [8, 5], "reward_title": ["Free coffee", "Free tea"]}
    assert version.created_by == manager.membership.user


def test_a_change_that_changes_nothing_makes_no_version(manager, program, joined):
    version = program_update(actor=manager.actor(), program_id=str(program.pk), goal=program.goal)

    assert version.number == 1 and ProgramVersion.objects.filter(program=program).count() == 1


def test_existing_cards_keep_their_rules_and_new_cards_get_the_new_ones(cashier, manager, program, joined):
    program_update(actor=manager.actor(), program_id=str(program.pk), goal=2, reward_title="Free tea")
    newcomer = card_enrol(actor=cashier.actor(), name="Taras")

    old = [checkout_commit(actor=cashier.actor(), card_ref=joined.number, check=a_check()) for _ in range(2)]
    new = [checkout_commit(actor=cashier.actor(), card_ref=newcomer.number, check=a_check()) for _ in range(2)]

    assert [r.title for r in old[-1].rewards] == []  # still on goal 8
    assert [r.title for r in new[-1].rewards] == ["Free tea"]
    assert cashier.client().get(f"/api/v1/cards/{joined.number}").json()["goal"] == 8


def test_regenerating_moves_cards_to_the_latest_version_with_a_ledger_line_and_issues_what_they_reach(
    cashier, manager, program, joined
):
    for _ in range(3):
        checkout_commit(actor=cashier.actor(), card_ref=joined.number, check=a_check())
    program_update(actor=manager.actor(), program_id=str(program.pk), goal=3, reward_title="Free tea")

    moved = program_cards_regenerate(actor=manager.actor(), program_id=str(program.pk))

    card = reload(joined)
    assert moved == 1 and card.program_version.number == 2
    event = CardEvent.objects.get(card=card, kind=EventKind.PROGRAM_VERSION_CHANGED)
    assert event.payload == {"version_before": 1, "version_after": 2} and event.actor == manager.membership.user
    assert card.stamps == 0 and card.rewards.get().title == "Free tea"
    assert ledger_sum(card) == card.stamps
    assert program_cards_regenerate(actor=manager.actor(), program_id=str(program.pk)) == 0


def test_milestones_replace_the_single_goal_and_set_it(manager, program):
    version = program_update(
        actor=manager.actor(),
        program_id=str(program.pk),
        milestones=[
            {"at": 3, "title": "Cookie"},
            {"at": 6, "title": "Cake"},
        ],
    )

    assert version.goal == 6 and [m["title"] for m in version.milestone_list()] == ["Cookie", "Cake"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"goal": 0}, "invalid_goal"),
        ({"earning_rule": "per_amount", "amount_per_stamp": None}, "invalid_amount_per_stamp"),
        ({"name": "Renamed"}, "unknown_field"),
        ({"milestones": [{"at": 2, "title": "A"}, {"at": 1, "title": "B"}]}, "invalid_milestones"),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(manager, program, changes, code):
    with pytest.raises(ValidationFailed) as refused:
        program_update(actor=manager.actor(), program_id=str(program.pk), **changes)

    assert refused.value.code == code and reload(program).version == 1


def test_a_cashier_cannot_change_a_program(cashier, program):
    with pytest.raises(RoleForbidden):
        program_update(actor=cashier.actor(), program_id=str(program.pk), goal=3)
