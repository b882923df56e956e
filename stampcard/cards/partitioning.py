"""The ledger (``cards_cardevent``) as a table range-partitioned by month of ``created_at`` (PostgreSQL only).

The conversion runs on a live database in four resumable steps (``manage.py ledger_partition``, docs/scaling.md):

1. ``prepare``: a shadow table ``cards_cardevent_part`` with the ledger's columns, CHECK constraints, outgoing foreign
   keys and indexes, ``PARTITION BY RANGE (created_at)``, one partition per month from the oldest line to a few months
   ahead plus a DEFAULT partition (a line never fails to insert; ``partitions_ensure`` empties it). Its primary key is
   ``(id, created_at)``: PostgreSQL requires the partition column in every unique index. A trigger on the old table
   mirrors every insert, update and delete into the shadow from then on; the id up to which rows still have to be
   copied (the old table's largest id once the trigger is in place) is kept in the shadow table's comment.
2. ``copy``: the older lines in batches by id, each batch its own short transaction; idempotent (``ON CONFLICT DO
   NOTHING``), so an interrupted copy just runs again; then ``ANALYZE`` of the shadow and its partitions.
3. ``swap``: in one transaction under an exclusive lock on both tables: check that nothing is missing, drop the
   trigger, continue the id sequence past the old one, rename the old table to ``cards_cardevent_unpartitioned`` and
   the shadow to ``cards_cardevent`` (indexes, partitions and sequence take the old names). Stamping waits for the
   lock for the length of the check and the renames: milliseconds plus one index-only count.
4. ``drop-old``: drop ``cards_cardevent_unpartitioned`` once the partitioned ledger is trusted.

``abort`` (before the swap) drops the shadow and the trigger and leaves the ledger as it was.

Why ids stay unique without a unique index on ``id`` alone: they come from one sequence and the ledger is
append-only. Nothing references a ledger line by a database foreign key (``prepare`` refuses if something does), so
the Django model keeps ``id`` as its primary key and no model changes; a later migration's ``AddIndex`` creates the
index on every partition (not ``CONCURRENTLY``, which partitioned tables refuse: create it per partition first).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection, transaction

from stampcard.core import clock

TABLE = "cards_cardevent"
SHADOW = "cards_cardevent_part"
OLD = "cards_cardevent_unpartitioned"
TRIGGER = "cards_cardevent_mirror"
MONTHS_AHEAD = 3
_WATERMARK = re.compile(r"ledger_partition watermark=(\d+) copied=(\d+)")
NAME_MAX = 63  # PostgreSQL truncates longer identifiers


class PartitioningError(RuntimeError):
    pass


@dataclass
class Progress:
    step: str
    rows: int = 0
    detail: str = ""


def _fetch(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall() if cursor.description else []


def _exec(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _ensure_postgres() -> None:
    if connection.vendor != "postgresql":
        raise PartitioningError("the ledger is partitioned on PostgreSQL only")


def is_partitioned(table: str = TABLE) -> bool:
    """Is ``table`` a partitioned table (relkind 'p')? False on SQLite."""
    if connection.vendor != "postgresql":
        return False
    return bool(_fetch("SELECT 1 FROM pg_class WHERE oid = to_regclass(%s) AND relkind = 'p'", [table]))


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def partitions(table: str = TABLE) -> list[str]:
    """The partitions of ``table`` by name, the DEFAULT one last."""
    rows = _fetch(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
        [table],
    )
    names = [r[0] for r in rows]
    return sorted(names, key=lambda n: n.endswith("_default"))


def _bound(month: date) -> str:
    return datetime(month.year, month.month, 1, tzinfo=UTC).isoformat()


def _partition_create(table: str, month: date) -> bool:
    """Create the partition of ``month`` unless it exists, moving any of its lines out of the DEFAULT partition (the
    attach would refuse while the default holds rows of the new range). False when it existed."""
    name = partition_name(table, month)
    if _fetch("SELECT to_regclass(%s)", [name])[0][0] is not None:
        return False
    low, high = _bound(month), _bound(next_month(month))
    default = f"{table}_default"
    with transaction.atomic():
        # Several workers may run the periodic task at once: one makes the partition, the others wait here and then
        # find it made. The lock is the one ATTACH PARTITION takes anyway (writes go on); it is a table lock, not an
        # advisory one, because taking a table lock is when PostgreSQL reads the catalog changes committed while it
        # waited: after an advisory lock, to_regclass would still not see the partition the other worker made.
        _exec(f'LOCK TABLE "{table}" IN SHARE UPDATE EXCLUSIVE MODE')
        if _fetch("SELECT to_regclass(%s)", [name])[0][0] is not None:
            return False
        _exec(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
        if _fetch("SELECT to_regclass(%s)", [default])[0][0] is not None:
            _exec(
                f'WITH moved AS (DELETE FROM "{default}" WHERE created_at >= %s AND created_at < %s RETURNING *)'
                f' INSERT INTO "{name}" SELECT * FROM moved',
                [low, high],
            )
        # DDL takes no bound parameters; the bounds are ISO timestamps made here, not input.
        _exec(f"ALTER TABLE \"{table}\" ATTACH PARTITION \"{name}\" FOR VALUES FROM ('{low}') TO ('{high}')")
    return True


def partitions_ensure(*, months_ahead: int = MONTHS_AHEAD, table: str = TABLE) -> list[str]:
    """Create the partitions of this month and the next ``months_ahead``, and of any month whose lines sit in the
    DEFAULT partition. Periodic (``cards.tasks.ledger_partitions_ensure``); does nothing on an unpartitioned ledger."""
    if not is_partitioned(table):
        return []
    month = month_start(clock.now().astimezone(UTC).date())
    months = [month]
    for _ in range(months_ahead):
        months.append(next_month(months[-1]))
    if _fetch("SELECT to_regclass(%s)", [f"{table}_default"])[0][0] is not None:
        stray = _fetch(f"SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC') FROM \"{table}_default\"")
        months += [r[0].date() for r in stray]
    return [partition_name(table, m) for m in sorted(set(months)) if _partition_create(table, m)]


def _incoming_foreign_keys() -> list[str]:
    rows = _fetch(
        "SELECT conrelid::regclass::text || '.' || conname FROM pg_constraint"
        " WHERE contype = 'f' AND confrelid = to_regclass(%s)",
        [TABLE],
    )
    return [r[0] for r in rows]


def _suffixed(name: str, suffix: str) -> str:
    return name[: NAME_MAX - len(suffix)] + suffix


def _watermark() -> tuple[int, int]:
    """(the id up to which lines are copied rather than mirrored, the id the copy has reached)."""
    comment = _fetch("SELECT obj_description(to_regclass(%s), 'pg_class')", [SHADOW])[0][0] or ""
    found = _WATERMARK.search(comment)
    if not found:
        raise PartitioningError(f"{SHADOW} has no watermark: run `ledger_partition prepare` first")
    return int(found.group(1)), int(found.group(2))


def _watermark_set(watermark: int, copied: int) -> None:
    _exec(f"COMMENT ON TABLE \"{SHADOW}\" IS 'ledger_partition watermark={int(watermark)} copied={int(copied)}'")


def _index_names(table: str) -> list[str]:
    rows = _fetch(
        "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = to_regclass(%s) AND NOT x.indisprimary ORDER BY i.relname",
        [table],
    )
    return [r[0] for r in rows]


def _columns(table: str) -> list[str]:
    rows = _fetch(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped"
        " ORDER BY attnum",
        [table],
    )
    return [f'"{r[0]}"' for r in rows]


_MIRROR_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM {SHADOW} WHERE id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO {SHADOW} SELECT NEW.* ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$
"""


def prepare(*, months_ahead: int = MONTHS_AHEAD) -> Progress:
    """Step 1: the partitioned shadow table, its partitions, indexes and constraints, and the mirroring trigger."""
    _ensure_postgres()
    if is_partitioned():
        return Progress("prepare", detail="the ledger is already partitioned")
    if incoming := _incoming_foreign_keys():
        raise PartitioningError(f"foreign keys point at the ledger (drop them first): {', '.join(incoming)}")
    if _fetch("SELECT to_regclass(%s)", [SHADOW])[0][0] is not None:
        return Progress("prepare", detail=f"{SHADOW} exists (watermark {_watermark()[0]})")
    with transaction.atomic():
        _exec(
            f'CREATE TABLE "{SHADOW}" (LIKE "{TABLE}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)'
            " PARTITION BY RANGE (created_at)"
        )
        _exec(f'ALTER TABLE "{SHADOW}" ADD PRIMARY KEY (id, created_at)')
        _exec(f'ALTER TABLE "{SHADOW}" ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY')
        for name, definition in _fetch(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s)"
            " AND contype = 'f'",
            [TABLE],
        ):
            # Same name: a foreign key's name is unique per table only, so nothing has to be renamed at the swap.
            _exec(f'ALTER TABLE "{SHADOW}" ADD CONSTRAINT "{name}" {definition}')
        for name, definition in _fetch(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE x.indrelid = to_regclass(%s) AND NOT x.indisprimary",
            [TABLE],
        ):
            # "CREATE [UNIQUE] INDEX name ON public.cards_cardevent USING ...": same index, shadow table, name + _p.
            head, _, rest = definition.partition(" ON ")
            table_ref, _, using = rest.partition(" USING ")
            if table_ref.split(".")[-1].strip('"') != TABLE:
                raise PartitioningError(f"cannot read the definition of index {name}: {definition}")
            _exec(f'{head.rsplit(" ", 1)[0]} "{_suffixed(name, "_p")}" ON "{SHADOW}" USING {using}')
        oldest = _fetch(f'SELECT min(created_at) FROM "{TABLE}"')[0][0] or clock.now()
        month = month_start(oldest.astimezone(UTC).date())
        newest = month_start(clock.now().astimezone(UTC).date())
        while month <= newest:
            _partition_create(SHADOW, month)
            month = next_month(month)
        _exec(f'CREATE TABLE "{SHADOW}_default" PARTITION OF "{SHADOW}" DEFAULT')
        partitions_ensure(months_ahead=months_ahead, table=SHADOW)
        _exec(_MIRROR_FUNCTION)
        # Taking the trigger's lock waits for every open write to the ledger: once it is in place, every line not yet
        # committed will be mirrored, and every line committed before has an id at most the watermark read next.
        _exec(
            f'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON "{TABLE}"'
            f" FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()"
        )
    with transaction.atomic():
        watermark = _fetch(f'SELECT coalesce(max(id), 0) FROM "{TABLE}"')[0][0]
        _watermark_set(watermark, 0)
    return Progress("prepare", detail=f"{len(partitions(SHADOW))} partitions, watermark {watermark}")


def copy(*, batch: int = 50_000) -> Progress:
    """Step 2: the lines up to the watermark into the shadow, ``batch`` ids per transaction. Resumable."""
    _ensure_postgres()
    if is_partitioned():
        return Progress("copy", detail="the ledger is already partitioned")
    watermark, done = _watermark()
    columns = ", ".join(_columns(TABLE))
    # Resume where the last committed batch ended (kept beside the watermark, in the same transaction as the batch:
    # the shadow's own largest id would overstate it, the trigger mirrors updates of lines not copied yet).
    start = (_fetch(f'SELECT coalesce(min(id), 0) FROM "{TABLE}"')[0][0] or 1) - 1
    position, copied = max(done, start), 0
    while position < watermark:
        upto = min(position + batch, watermark)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO "{SHADOW}" ({columns}) SELECT {columns} FROM "{TABLE}" WHERE id > %s AND id <= %s'
                " ON CONFLICT DO NOTHING",
                [position, upto],
            )
            copied += max(cursor.rowcount, 0)
            _watermark_set(watermark, upto)
        position = upto
    # Statistics for the new partitions and their parent before they serve a single query: without them the planner
    # guessed a journal page of this month at 1.5 s instead of 30 ms (2M lines, docs/scaling.md). Autovacuum would
    # analyse the partitions later, and never the partitioned parent.
    _exec(f'ANALYZE "{SHADOW}"')
    return Progress("copy", rows=copied, detail=f"copied up to id {watermark}; analysed")


def _partition_index_names(table: str) -> list[str]:
    """The indexes of ``table``'s partitions still named after the shadow table (``cards_cardevent_part_p...``)."""
    rows = _fetch(
        "SELECT i.relname FROM pg_inherits h JOIN pg_index x ON x.indrelid = h.inhrelid"
        " JOIN pg_class i ON i.oid = x.indexrelid WHERE h.inhparent = to_regclass(%s) AND i.relname LIKE %s",
        [table, SHADOW + "%"],
    )
    return [r[0] for r in rows]


def swap() -> Progress:
    """Step 3: the shadow becomes the ledger, in one transaction. Raises PartitioningError (and changes nothing)
    when the shadow misses lines or the copy has not finished."""
    _ensure_postgres()
    if is_partitioned():
        return Progress("swap", detail="the ledger is already partitioned")
    watermark, done = _watermark()
    if done < watermark:
        raise PartitioningError(f"the copy reached id {done} of {watermark}: run `ledger_partition copy` first")
    with transaction.atomic():
        _exec(f'LOCK TABLE "{TABLE}", "{SHADOW}" IN ACCESS EXCLUSIVE MODE')
        old_count = _fetch(f'SELECT count(*) FROM "{TABLE}"')[0][0]
        new_count = _fetch(f'SELECT count(*) FROM "{SHADOW}"')[0][0]
        if old_count != new_count:
            raise PartitioningError(f"{TABLE} has {old_count} lines, {SHADOW} {new_count}")
        _exec(f'DROP TRIGGER {TRIGGER} ON "{TABLE}"')
        _exec(f"DROP FUNCTION {TRIGGER}()")
        last = _fetch(f'SELECT coalesce(max(id), 0) FROM "{TABLE}"')[0][0]
        sequence = _fetch("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])[0][0]
        if sequence:
            last = max(last, _fetch(f"SELECT last_value FROM {sequence}")[0][0])
        _exec(f'ALTER TABLE "{SHADOW}" ALTER COLUMN id RESTART WITH {int(last) + 1}')
        indexes = _index_names(TABLE)
        _exec(f'ALTER TABLE "{TABLE}" RENAME TO "{OLD}"')
        _exec(f'ALTER TABLE "{OLD}" RENAME CONSTRAINT "{TABLE}_pkey" TO "{OLD}_pkey"')
        for name in indexes:
            _exec(f'ALTER INDEX "{name}" RENAME TO "{_suffixed(name, "_old")}"')
        if sequence:
            _exec(f"ALTER SEQUENCE {sequence} RENAME TO {OLD}_id_seq")
        _exec(f'ALTER TABLE "{SHADOW}" RENAME TO "{TABLE}"')
        _exec(f'ALTER TABLE "{TABLE}" RENAME CONSTRAINT "{SHADOW}_pkey" TO "{TABLE}_pkey"')
        _exec(f"ALTER SEQUENCE {SHADOW}_id_seq RENAME TO {TABLE}_id_seq")
        for name in indexes:
            _exec(f'ALTER INDEX "{_suffixed(name, "_p")}" RENAME TO "{name}"')
        for name in partitions(TABLE):
            _exec(f'ALTER TABLE "{name}" RENAME TO "{TABLE}{name[len(SHADOW) :]}"')
        for name in _partition_index_names(TABLE):
            _exec(f'ALTER INDEX "{name}" RENAME TO "{TABLE}{name[len(SHADOW) :]}"')
        _exec(f'COMMENT ON TABLE "{TABLE}" IS NULL')
    return Progress("swap", rows=new_count, detail=f"{len(partitions(TABLE))} partitions; old table kept as {OLD}")


def abort() -> Progress:
    """Before the swap: drop the trigger and the shadow table, leaving the ledger as it was."""
    _ensure_postgres()
    if is_partitioned():
        raise PartitioningError("the swap is done: nothing to abort")
    with transaction.atomic():
        _exec(f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{TABLE}"')
        _exec(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
        _exec(f'DROP TABLE IF EXISTS "{SHADOW}"')
    return Progress("abort", detail=f"dropped {SHADOW} and its trigger")


def drop_old() -> Progress:
    """Step 4: drop the unpartitioned copy the swap kept."""
    _ensure_postgres()
    if _fetch("SELECT to_regclass(%s)", [OLD])[0][0] is None:
        return Progress("drop-old", detail=f"no {OLD}")
    _exec(f'DROP TABLE "{OLD}"')
    return Progress("drop-old", detail=f"dropped {OLD}")
