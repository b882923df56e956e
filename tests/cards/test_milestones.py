"""Several goals on one card: 3 -> small gift, 6 -> medium, 9 -> final, then the card starts again."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stampcard.cards.milestones import milestones_clean, milestones_crossed
from stampcard.cards.models import CardEvent, EventKind
from stampcard.checkouts.services import checkout_commit, checkout_preview, checkout_reverse
from stampcard.core.errors import ValidationFailed
from stampcard.rewards.models import Reward, RewardState
from stampcard.rewards.services import reward_hand_over
from tests.cards.helpers import a_check, ledger_sum
from tests.conftest import reload
from tests.factories import CardFactory, ProgramFactory

SMALL_MEDIUM_FINAL = [
    {"at": 3, "kind": "award", "title": "Cookie"},
    {"at": 6, "kind": "award", "title": "Croissant"},
    {"at": 9, "kind": "award", "title": "Breakfast"},
]


@pytest.fixture
def three_goal_card(merchant):
    program = ProgramFactory(merchant=merchant, goal=9, milestones=SMALL_MEDIUM_FINAL, stamps_per_receipt=1)
    return CardFactory(program=program)


def stamp(cashier, card, times=1, **check):
    return [checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check(**check)) for _ in range(times)]


def titles(rewards) -> list[str]:
    return [r.title for r in rewards]


# -- the pure rule -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stamps", "reached", "expected", "spent"),
    [
        (2, 0, [], []),
        (3, 0, ["Cookie"], [0]),
        (5, 1, [], []),
        (6, 1, ["Croissant"], [0]),
        (9, 2, ["Breakfast"], [9]),
        (9, 0, ["Cookie", "Croissant", "Breakfast"], [0, 0, 9]),
        (
            21,
            0,
            ["Cookie", "Croissant", "Breakfast", "Cookie", "Croissant", "Breakfast", "Cookie"],
            [0, 0, 9, 0, 0, 9, 0],
        ),
    ],
)
def test_the_milestones_a_balance_crosses(stamps, reached, expected, spent):
    crossings = milestones_crossed(stamps=stamps, reached=reached, milestones=SMALL_MEDIUM_FINAL)

    assert [c.spec["title"] for c in crossings] == expected
    assert [c.stamps_spent for c in crossings] == spent


@given(stamps=st.integers(0, 300), ats=st.lists(st.integers(1, 100), min_size=1, max_size=10, unique=True))
def test_crossing_leaves_a_balance_below_the_next_milestone_and_spends_whole_rounds(stamps, ats):
    milestones = [{"at": at, "kind": "award", "title": str(at)} for at in sorted(ats)]

    crossings = milestones_crossed(stamps=stamps, reached=0, milestones=milestones)

    rounds, left = divmod(stamps, milestones[-1]["at"])
    assert sum(c.stamps_spent for c in crossings) == rounds * milestones[-1]["at"]
    assert len(crossings) == rounds * len(milestones) + sum(1 for m in milestones[:-1] if m["at"] <= left)


def test_a_program_without_milestones_has_its_goal_as_the_one_milestone(program):
    assert program.milestone_list() == [
        {"at": program.goal, "kind": "award", "title": program.reward_title, "description": ""}
    ]


# -- checkouts -----------------------------------------------------------------------------------------------------


def test_each_milestone_issues_its_reward_and_only_the_last_takes_the_stamps(cashier, three_goal_card):
    card = three_goal_card
    results = stamp(cashier, card, times=9)

    assert [titles(r.rewards) for r in results] == [[], [], ["Cookie"], [], [], ["Croissant"], [], [], ["Breakfast"]]
    card = reload(card)
    assert (card.stamps, card.cycle, card.milestones_reached) == (0, 1, 0)
    assert ledger_sum(card) == 0
    assert [r.stamps_spent for r in Reward.objects.filter(card=card)] == [0, 0, 9]


def test_a_big_check_crosses_several_milestones_at_once_and_carries_the_surplus(cashier, merchant):
    program = ProgramFactory(
        merchant=merchant, goal=9, milestones=SMALL_MEDIUM_FINAL, earning_rule="per_amount", amount_per_stamp=100
    )
    card = CardFactory(program=program)

    result = checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check(total=1200))

    assert result.stamps_issued == 12
    assert titles(result.rewards) == ["Cookie", "Croissant", "Breakfast", "Cookie"]
    assert (reload(card).stamps, reload(card).milestones_reached, reload(card).cycle) == (3, 1, 1)


def test_the_preview_names_the_milestone_the_check_would_reach(cashier, three_goal_card):
    stamp(cashier, three_goal_card, times=2)

    preview = checkout_preview(actor=cashier.actor(), card_ref=three_goal_card.number, check=a_check())

    assert [r["title"] for r in preview.rewards] == ["Cookie"]


def test_the_card_payload_shows_which_milestones_of_the_round_are_reached(cashier, three_goal_card):
    stamp(cashier, three_goal_card, times=4)

    body = cashier.client().get(f"/api/v1/cards/{three_goal_card.number}").json()

    assert body["goal"] == 9 and body["stamps"] == 4
    assert [(m["at"], m["title"], m["reached"]) for m in body["milestones"]] == [
        (3, "Cookie", True),
        (6, "Croissant", False),
        (9, "Breakfast", False),
    ]


# -- reversals -----------------------------------------------------------------------------------------------------


def test_reversing_below_a_milestone_withdraws_its_unused_reward(cashier, three_goal_card):
    stamp(cashier, three_goal_card, times=2)
    [third] = stamp(cashier, three_goal_card)

    result = checkout_reverse(actor=cashier.actor(), external_id=third.check.external_id)

    card = reload(three_goal_card)
    assert titles(result.rewards_withdrawn) == ["Cookie"] and result.stamps_reversed == 1
    assert (card.stamps, card.milestones_reached, card.rewards_earned) == (2, 0, 0)
    assert ledger_sum(card) == card.stamps


def test_a_handed_over_milestone_reward_stays_and_is_not_given_twice(cashier, three_goal_card):
    stamp(cashier, three_goal_card, times=2)
    [third] = stamp(cashier, three_goal_card)
    reward_hand_over(actor=cashier.actor(), reward_id=third.rewards[0].pk)

    result = checkout_reverse(actor=cashier.actor(), external_id=third.check.external_id)
    again = stamp(cashier, three_goal_card)

    assert result.rewards_withdrawn == [] and result.stamps_reversed == 1
    assert again[0].rewards == []  # the cookie was already eaten
    assert reload(three_goal_card).milestones_reached == 1


def test_reversing_the_check_that_closed_a_round_reopens_it(cashier, three_goal_card):
    stamp(cashier, three_goal_card, times=8)
    [ninth] = stamp(cashier, three_goal_card)

    result = checkout_reverse(actor=cashier.actor(), external_id=ninth.check.external_id)

    card = reload(three_goal_card)
    assert titles(result.rewards_withdrawn) == ["Breakfast"]
    assert (card.stamps, card.cycle, card.milestones_reached) == (8, 0, 2)
    assert Reward.objects.filter(card=card, state=RewardState.READY).count() == 2  # cookie and croissant stay
    assert ledger_sum(card) == 8
    assert CardEvent.objects.filter(card=card, kind=EventKind.REWARD_WITHDRAWN).count() == 1


# -- validation ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("milestones", "field"),
    [
        ([], "milestones"),
        ([{"at": 3, "title": "A"}, {"at": 3, "title": "B"}], "milestones[1].at"),
        ([{"at": 5, "title": "A"}, {"at": 4, "title": "B"}], "milestones[1].at"),
        ([{"at": 0, "title": "A"}], "milestones[0].at"),
        ([{"at": 101, "title": "A"}], "milestones[0].at"),
        ([{"at": 3, "title": " "}], "milestones[0].title"),
        ([{"at": 3, "title": "A", "kind": "hug"}], "milestones[0].kind"),
        ([{"at": 3, "title": "A", "kind": "lottery", "lottery_id": "nope"}], "milestones[0].lottery_id"),
        (
            [{"at": 3, "title": "A", "kind": "voucher", "voucher": {"validity": {"days": 0}}}],
            "milestones[0].voucher.validity",
        ),
        (
            [{"at": 3, "title": "A", "kind": "voucher", "voucher": {"validity": {"days": 3, "months": 1}}}],
            "milestones[0].voucher.validity",
        ),
        (
            [{"at": 3, "title": "A", "kind": "voucher", "voucher": {"benefit": {"kind": "percent", "value": 120}}}],
            "milestones[0].voucher.benefit",
        ),
        (
            [{"at": 3, "title": "A", "kind": "voucher", "voucher": {"benefit": "10%"}}],
            "milestones[0].voucher.benefit",
        ),
        ([{"at": i + 1, "title": str(i)} for i in range(11)], "milestones"),
    ],
)
def test_bad_milestones_are_refused_naming_the_field(milestones, field):
    with pytest.raises(ValidationFailed) as refused:
        milestones_clean(milestones, lottery_ids=set())

    assert refused.value.details["fields"][0]["field"] == field


def test_good_milestones_are_normalised():
    cleaned = milestones_clean(
        [
            {"at": 3, "title": "  Small   gift "},
            {"at": 9, "title": "Voucher", "kind": "voucher", "voucher": {"validity": {"until": "2027-01-31"}}},
            {"at": 12, "title": "10% off", "kind": "voucher", "voucher": {"benefit": {"kind": "percent", "value": 10}}},
            {"at": 15, "title": "A gift", "kind": "voucher", "voucher": {"benefit": {"kind": "gift"}}},
        ],
        lottery_ids=set(),
    )

    assert cleaned == [
        {"at": 3, "kind": "award", "title": "Small gift", "description": ""},
        {
            "at": 9,
            "kind": "voucher",
            "title": "Voucher",
            "description": "",
            "voucher": {"validity": {"until": "2027-01-31"}},
        },
        {
            "at": 12,
            "kind": "voucher",
            "title": "10% off",
            "description": "",
            "voucher": {"validity": None, "benefit": {"kind": "percent", "value": 10}},
        },
        # A gift says nothing: milestones saved before benefits existed read the same, and make no new version.
        {"at": 15, "kind": "voucher", "title": "A gift", "description": "", "voucher": {"validity": None}},
    ]
