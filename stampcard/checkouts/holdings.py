"""What cards hold for the counter: their ready rewards and usable vouchers, read in one statement.

Every card payload (a commit's answer, a lookup, a card) shows both. They live in two tables with their own order
(rewards oldest first, vouchers soonest expiry first), so they are read as the two branches of one ``UNION ALL``:
each row carries its branch, its place in that branch's order, and the other branch's columns as NULLs, and is
turned back into its model with the ORM's own converters (``core.rawsql``). One round trip instead of two on every
payload, and SQL written once per process instead of two querysets compiled per request.

Most cards hold nothing open most of the time: a card whose counters say nothing was put on it since it was last
seen empty (``Card.holds_nothing_open``) is not read at all. A read that finds nothing on a card that might have held
something records so (``_seen_empty``), which is what lets that card's next answers skip the read.

The branches say what ``rewards.selectors.rewards_ready_queryset`` and ``vouchers.selectors.vouchers_usable_queryset``
say; ``tests/checkouts/test_holdings.py`` holds them to the same answers.
"""

import functools
import operator
from collections.abc import Iterable
from typing import Any

from django.db import connections, router
from django.db.models import F, Field, Model, Q

from stampcard.cards.models import Card
from stampcard.core import clock, rawsql
from stampcard.rewards.models import Reward, RewardState
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.states import OPEN_STATES


def holdings_by_card(*, cards: Iterable[Card]) -> tuple[dict[int, list[Reward]], dict[int, list[Voucher]]]:
    """Ready rewards and usable vouchers of several cards, keyed by card id, in the selectors' orders."""
    cards_by_id = {card.pk: card for card in cards}
    ready: dict[int, list[Reward]] = {pk: [] for pk in cards_by_id}
    vouchers: dict[int, list[Voucher]] = {pk: [] for pk in cards_by_id}
    ids = [pk for pk, card in cards_by_id.items() if not card.holds_nothing_open]
    if not ids:
        return ready, vouchers
    # Read where the card will be marked empty: a lagging copy that has not seen a new voucher yet must never be
    # what marks its card as holding nothing.
    using = router.db_for_write(Card)
    split = 2 + rawsql.column_count(Reward)
    for row in _holdings_rows(using, ids):
        if row[0] == 1:
            reward = rawsql.instance(Reward, row[2:split], using)
            ready[reward.card_id].append(reward)
        else:
            voucher = rawsql.instance(Voucher, row[split:], using)
            voucher.card = cards_by_id[voucher.card_id]  # type: ignore[index]  # the card is already loaded
            vouchers[voucher.card_id].append(voucher)  # type: ignore[index]
    _seen_empty(using, [cards_by_id[pk] for pk in ids if not ready[pk] and not vouchers[pk]])
    return ready, vouchers


def _holdings_rows(using: str, ids: list[int]) -> list[tuple[Any, ...]]:
    connection = connections[using]
    now = connection.ops.adapt_datetimefield_value(clock.now())
    with connection.cursor() as cursor:
        cursor.execute(
            _holdings_sql(using, len(ids)),
            (*ids, RewardState.READY.value, *ids, *(s.value for s in OPEN_STATES), now),
        )
        return cursor.fetchall()


def _seen_empty(using: str, cards: list[Card]) -> None:
    """Record that these cards held nothing open when read, so their next answers skip the read.

    Only for a card whose ``holdings_added`` is still what it was when the card was read, which was before the read
    of its holdings began: a line counted since (a voucher put in while we read) makes the row not match, and a
    writer still in its transaction holds the row's lock, so PostgreSQL waits for it and then re-checks the row as
    it committed (READ COMMITTED). The counter never goes down, so an older value cannot come round again. A
    card's in-memory counter that missed a write of its own request (another object of the same card counted it)
    is lower than the row's, and matches nothing.
    """
    if not cards:
        return
    still = functools.reduce(operator.or_, (Q(pk=card.pk, holdings_added=card.holdings_added) for card in cards))
    if Card.objects.using(using).filter(still).update(holdings_seen_empty=F("holdings_added")) == len(cards):
        for card in cards:
            card.holdings_seen_empty = card.holdings_added


def _fields(model: type[Model]) -> list[Field[Any, Any]]:
    return list(model._meta.concrete_fields)


@functools.lru_cache(maxsize=64)
def _holdings_sql(using: str, card_count: int) -> str:
    quote = connections[using].ops.quote_name
    rewards, vouchers = quote(Reward._meta.db_table), quote(Voucher._meta.db_table)
    reward_columns = ", ".join(f"r.{quote(str(f.column))}" for f in _fields(Reward))
    voucher_columns = ", ".join(f"v.{quote(str(f.column))}" for f in _fields(Voucher))
    no_rewards = ", ".join(["NULL"] * len(_fields(Reward)))
    no_vouchers = ", ".join(["NULL"] * len(_fields(Voucher)))
    cards = ", ".join(["%s"] * card_count)
    open_states = ", ".join(["%s"] * len(OPEN_STATES))
    created, expires, card, state = quote("created_at"), quote("expires_at"), quote("card_id"), quote("state")
    return (
        f"SELECT 1 AS branch, ROW_NUMBER() OVER (ORDER BY r.{created}) AS place, {reward_columns}, {no_vouchers}"
        f" FROM {rewards} r WHERE r.{card} IN ({cards}) AND r.{state} = %s"
        " UNION ALL"
        f" SELECT 2, ROW_NUMBER() OVER (ORDER BY v.{expires} IS NULL, v.{expires}, v.{created}), {no_rewards},"
        f" {voucher_columns} FROM {vouchers} v WHERE v.{card} IN ({cards}) AND v.{state} IN ({open_states})"
        f" AND (v.{expires} IS NULL OR v.{expires} > %s)"
        " ORDER BY branch, place"
    )
