"""The ledger converted to a table partitioned by month (``ledger_partition``), on a database with history, then the
stamp path on it: commit, reversal, the customer timeline, the analytics rebuild, and partition pruning."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from stampcard.analytics import rollups
from stampcard.analytics.models import DayRollup
from stampcard.cards import directory, partitioning
from stampcard.cards.checks import CheckInput
from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from stampcard.core.testing import run_concurrently
from stampcard.merchants.models import Role
from tests.conftest import make_staff
from tests.factories import CardFactory, LocationFactory, MerchantFactory, ProgramFactory

TABLE = partitioning.TABLE


def _sql(query: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        return cursor.fetchall()


def _restore_unpartitioned() -> None:
    """Put the kept unpartitioned table back as the ledger, for the tests that run after this one."""
    if not partitioning.is_partitioned():
        partitioning.abort()  # a test that failed half-way
        return
    old = partitioning.OLD
    indexes = partitioning._index_names(old)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{TABLE}"')
        cursor.execute(f'ALTER TABLE "{old}" RENAME TO "{TABLE}"')
        cursor.execute(f'ALTER TABLE "{TABLE}" RENAME CONSTRAINT "{old}_pkey" TO "{TABLE}_pkey"')
        cursor.execute(f"ALTER SEQUENCE {old}_id_seq RENAME TO {TABLE}_id_seq")
        for name in indexes:
            cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{name.removesuffix("_old")}"')


@pytest.fixture
def shop():
    merchant = MerchantFactory(timezone="Europe/Kyiv")
    cashier = make_staff(merchant, Role.CASHIER, location=LocationFactory(merchant=merchant))
    program = ProgramFactory(merchant=merchant, goal=3)
    cards = [CardFactory(program=program) for _ in range(3)]
    yield {"merchant": merchant, "cashier": cashier, "cards": cards}
    _restore_unpartitioned()


def commit(shop, card: Card, external_id: str, at: datetime | None = None):
    check = CheckInput(external_id=external_id, total=10000, currency=shop["merchant"].currency)
    result = checkouts_services.checkout_commit(actor=shop["cashier"].actor(), card_ref=card.number, check=check)
    if at is not None:  # history: the lines of this check (the stamp, a reward reached) happened at ``at``
        CardEvent.objects.filter(check_ref=result.check).update(created_at=at)
    return result


def month_of(moment: datetime) -> str:
    return partitioning.partition_name(TABLE, moment.astimezone(UTC).date().replace(day=1))


def rollups_of(merchant) -> list:
    return sorted(DayRollup.objects.filter(merchant=merchant).values_list("day", "visits", "stamps"), key=str)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_ledger_converted_by_month_keeps_every_line_and_serves_the_stamp_path(shop):
    # given: three cards with history over three months, the last reaching a reward, and its analytics
    now = clock.now()
    months_ago = [now - timedelta(days=62), now - timedelta(days=31), now]
    a, b, c = shop["cards"]
    for i, at in enumerate(months_ago):
        commit(shop, a, f"A-{i}", at)
        commit(shop, b, f"B-{i}", at)
    commit(shop, c, "C-0", months_ago[0])
    rollups.rollups_rebuild(merchant=shop["merchant"])
    analytics_before = rollups_of(shop["merchant"])
    lines_before = sorted(CardEvent.objects.values_list("id", "card_id", "kind", "delta", "created_at"))

    # when: prepared, a line written while the trigger mirrors, the copy in small batches, the swap
    call_command("ledger_partition", "prepare")
    with pytest.raises(CommandError, match="run `ledger_partition copy` first"):
        call_command("ledger_partition", "swap")
    during = commit(shop, c, "C-during")
    call_command("ledger_partition", "copy", "--batch", "2")
    call_command("ledger_partition", "swap")

    # then: the same lines, each in the partition of its month, and ids go on from the old sequence
    assert partitioning.is_partitioned()
    assert sorted(CardEvent.objects.values_list("id", "card_id", "kind", "delta", "created_at")) == sorted(
        [*lines_before, *CardEvent.objects.filter(check_ref=during.check).values_list(
            "id", "card_id", "kind", "delta", "created_at")]
    )  # fmt: skip
    placed = _sql(f'SELECT tableoid::regclass::text, created_at FROM "{TABLE}"')
    assert placed and all(name == month_of(at) for name, at in placed)
    assert {month_of(at) for at in months_ago} <= set(partitioning.partitions())
    never_analysed = _sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = to_regclass(%s) AND c.reltuples < 0",
        [TABLE],
    )
    assert never_analysed == []  # the planner has statistics from the first query on

    # when: the stamp path runs on the partitioned ledger
    fresh = commit(shop, a, "A-new")
    reversed_ = checkouts_services.checkout_reverse(actor=shop["cashier"].actor(), external_id="B-0")

    # then: the new lines landed in this month's partition with new ids, the card's balance is its ledger's sum
    new_lines = CardEvent.objects.filter(id__gt=max(line[0] for line in lines_before)).exclude(check_ref=during.check)
    assert new_lines.count() >= 2
    assert {name for name, in _sql(f'SELECT DISTINCT tableoid::regclass::text FROM "{TABLE}" WHERE id = ANY(%s)',
                                   [list(new_lines.values_list("id", flat=True))])} == {month_of(now)}  # fmt: skip
    assert fresh.stamps_issued == 1 and reversed_.stamps_reversed == 1
    for card in (a, b, c):
        card.refresh_from_db()
        assert card.stamps == sum(CardEvent.objects.filter(card=card).values_list("delta", flat=True))

    # the customer timeline reads across partitions, newest first
    lines, _next = directory.timeline_page(cards=[a], size=100)
    assert [line.pk for line in lines] == list(
        CardEvent.objects.filter(card=a).order_by("-id").values_list("id", flat=True)
    )
    assert lines[0].kind in (EventKind.STAMP, EventKind.REWARD_ISSUED)

    # the analytics rebuilt from the partitioned ledger give the figures of before, plus today's new lines
    rollups.rollups_rebuild(merchant=shop["merchant"])
    after = rollups_of(shop["merchant"])
    assert [row for row in after if row[0] < now.astimezone(shop["merchant"].tz).date()] == [
        row for row in analytics_before if row[0] < now.astimezone(shop["merchant"].tz).date()
    ]

    # a month-bounded query reads that month's partition only
    first = months_ago[1].astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    plan = CardEvent.objects.filter(
        merchant=shop["merchant"], created_at__gte=first, created_at__lt=(first + timedelta(days=32)).replace(day=1)
    ).explain()
    assert month_of(first) in plan
    assert not {name for name in partitioning.partitions() if name != month_of(first) and name in plan}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_partitions_are_made_ahead_and_stray_lines_leave_the_default_partition(shop):
    # given: a partitioned ledger and a line dated past the partitions made ahead (it sits in DEFAULT)
    a = shop["cards"][0]
    commit(shop, a, "A-0")
    call_command("ledger_partition", "convert")
    far = clock.now() + timedelta(days=400)
    event = CardEvent.objects.get(card=a, kind=EventKind.STAMP)
    CardEvent.objects.filter(pk=event.pk).update(created_at=far)
    assert _sql(f'SELECT tableoid::regclass::text FROM "{TABLE}" WHERE id = %s', [event.pk]) == [(f"{TABLE}_default",)]

    # when: the periodic task runs in four workers at once
    outcomes = run_concurrently(lambda _i: partitioning.partitions_ensure(), n=4)

    # then: the line's month got its partition, made by one of them, and the line moved there; a later run creates
    # nothing
    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    made = [name for o in outcomes for name in o.value]
    assert made.count(month_of(far)) == 1
    assert _sql(f'SELECT tableoid::regclass::text FROM "{TABLE}" WHERE id = %s', [event.pk]) == [(month_of(far),)]
    assert partitioning.partitions_ensure() == []


@pytest.mark.django_db
def test_on_sqlite_the_command_refuses_and_the_periodic_task_does_nothing():
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite behaviour")
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("ledger_partition", "convert")
    assert partitioning.partitions_ensure() == []
