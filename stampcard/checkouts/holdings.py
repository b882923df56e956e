"""What cards hold for the counter: their ready rewards and usable vouchers, read in one statement.

Every card payload (a commit's answer, a lookup, a card) shows both. They live in two tables with their own order
(rewards oldest first, vouchers soonest expiry first), so the two selectors' querysets are run as the two branches
of one ``UNION ALL``: each row carries which branch it came from and the other branch's columns as NULLs, and is
turned back into its model with the ORM's own converters. One round trip instead of two, on every payload.
"""

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet

from stampcard.cards.models import Card
from stampcard.rewards.models import Reward
from stampcard.rewards.selectors import rewards_ready_queryset
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.selectors import vouchers_usable_queryset

M = TypeVar("M", bound=Model)


def holdings_by_card(*, cards: Iterable[Card]) -> tuple[dict[int, list[Reward]], dict[int, list[Voucher]]]:
    """Ready rewards and usable vouchers of several cards, keyed by card id, in the selectors' orders."""
    cards_by_id = {card.pk: card for card in cards}
    ready: dict[int, list[Reward]] = {pk: [] for pk in cards_by_id}
    vouchers: dict[int, list[Voucher]] = {pk: [] for pk in cards_by_id}
    if not cards_by_id:
        return ready, vouchers
    ids = list(cards_by_id)
    using = router.db_for_read(Reward)
    connection = connections[using]
    reward_fields, voucher_fields = _fields(Reward), _fields(Voucher)
    reward_sql, reward_params = _branch(rewards_ready_queryset(card_ids=ids), reward_fields, using)
    voucher_sql, voucher_params = _branch(vouchers_usable_queryset(card_ids=ids), voucher_fields, using)
    nulls_for_vouchers = ", ".join(["NULL"] * len(voucher_fields))
    nulls_for_rewards = ", ".join(["NULL"] * len(reward_fields))
    # The branch number and each row's place in its own branch's order keep both orders in the one result.
    sql = (
        f"SELECT * FROM (SELECT 1 AS branch, ROW_NUMBER() OVER () AS place, r.*, {nulls_for_vouchers} "
        f"FROM ({reward_sql}) r UNION ALL SELECT 2, ROW_NUMBER() OVER (), {nulls_for_rewards}, v.* "
        f"FROM ({voucher_sql}) v) holdings ORDER BY branch, place"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*reward_params, *voucher_params))
        rows = cursor.fetchall()
    split = 2 + len(reward_fields)
    for row in rows:
        if row[0] == 1:
            reward = _instance(Reward, reward_fields, row[2:split], using)
            ready[reward.card_id].append(reward)
        else:
            voucher = _instance(Voucher, voucher_fields, row[split:], using)
            voucher.card = cards_by_id[voucher.card_id]  # type: ignore[index]  # the card is already loaded
            vouchers[voucher.card_id].append(voucher)  # type: ignore[index]
    return ready, vouchers


def _fields(model: type[Model]) -> list[Any]:
    return list(model._meta.concrete_fields)


def _branch(queryset: QuerySet[Any], fields: list[Any], using: str) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.values_list(*(f.attname for f in fields)).query.get_compiler(using=using).as_sql()
    return sql, tuple(params)


def _instance(model: type[M], fields: list[Any], values: tuple[Any, ...], using: str) -> M:
    connection = connections[using]
    converted = []
    for field, value in zip(fields, values, strict=True):
        col = field.get_col(model._meta.db_table)
        for converter in (*connection.ops.get_db_converters(col), *field.get_db_converters(connection)):
            value = converter(value, col, connection)
        converted.append(value)
    return model.from_db(using, [f.attname for f in fields], converted)
