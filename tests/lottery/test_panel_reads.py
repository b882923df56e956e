"""The lottery reads the panel uses: a lottery's latest draws, and whether its prize table is frozen by draws."""

from stampcard.lottery import selectors
from tests.factories import CardFactory
from tests.lottery.helpers import make_lottery, spin, variant


def test_latest_draws_newest_first_and_frozen_once_drawn(merchant, program, manager):
    actor = manager.actor()
    lottery = make_lottery(actor, [variant("nothing", 1_000_000)])
    assert selectors.lottery_has_draws(lottery=lottery) is False
    card = CardFactory(program=program)
    first = spin(actor, card, lottery)[0]
    second = spin(actor, card, lottery)[0]
    assert selectors.lottery_draws_recent(lottery=lottery) == [second, first]
    assert selectors.lottery_has_draws(lottery=lottery) is True
