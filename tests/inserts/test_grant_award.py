"""``rewards.services.reward_grant_award``: a ready award outside the milestones (the welcome gift of an insert)."""

import pytest

from stampcard.cards.locks import card_lock
from stampcard.cards.models import CardEvent, EventKind
from stampcard.merchants.actors import Actor, Channel
from stampcard.rewards.models import RewardState
from stampcard.rewards.selectors import rewards_ready_by_card
from stampcard.rewards.services import reward_grant_award
from tests.conftest import reload

pytestmark = pytest.mark.django_db


def test_a_granted_award_is_ready_spends_no_stamps_and_leaves_a_ledger_line(merchant, program, card):
    card.stamps = 5
    card.save(update_fields=["stamps"])
    actor = Actor(merchant=merchant, channel=Channel.INSERT)
    locked = card_lock(merchant=merchant, card_id=card.pk)

    reward = reward_grant_award(
        card=locked, actor=actor, title="Cake", description="Any slice", source="insert", batch_id="b1"
    )

    assert (reward.kind, reward.state, reward.stamps_spent, reward.title, reward.description) == (
        "award",
        RewardState.READY,
        0,
        "Cake",
        "Any slice",
    )
    assert reward.spec == {"batch_id": "b1", "kind": "award", "title": "Cake", "source": "insert"}
    assert rewards_ready_by_card(cards=[card])[card.pk] == [reward]
    event = CardEvent.objects.get(card=card, kind=EventKind.REWARD_ISSUED)
    assert (event.delta, event.channel, event.payload) == (
        0,
        Channel.INSERT,
        {"reward_id": str(reward.pk), "source": "insert"},
    )
    assert (reload(card).stamps, card.rewards_earned, card.milestones_reached) == (5, 0, 0)


def test_a_granted_award_names_its_source(merchant, card):
    with pytest.raises(ValueError):
        reward_grant_award(card=card, actor=Actor.system(merchant), title="Cake", source="")
