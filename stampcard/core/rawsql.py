"""SQL written once per process for the hottest statements, and rows turned back into model instances.

The ORM compiles a queryset into SQL on every call: for the statements every checkout runs (lock the card with its
rules and customer, append the ledger line, insert the check and the idempotency record) that compilation cost more
CPU than the database spent executing them. Those statements are written here once per model and database alias,
from the models' own metadata (tables, columns, field conversions), and only their parameters are computed per call.
The values go through the same field methods the ORM uses (``pre_save``, ``get_db_prep_save``, the backend's and the
field's converters), so a row written or read here is the row the ORM would write or read.
"""

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, Any], Any]


def qn(using: str, name: str) -> str:
    return connections[using].ops.quote_name(name)


def table(model: type[Model], using: str) -> str:
    return qn(using, model._meta.db_table)


@functools.lru_cache(maxsize=256)
def select_columns(model: type[Model], using: str, alias: str) -> str:
    """Every concrete column of ``model`` as ``alias."column"``, in ``model._meta.concrete_fields`` order."""
    return ", ".join(f"{alias}.{qn(using, str(f.column))}" for f in model._meta.concrete_fields)


def column_count(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


@functools.lru_cache(maxsize=256)
def _readers(model: type[Model], using: str) -> tuple[list[str], list[tuple[int, tuple[Converter, ...], Any]]]:
    """The attnames of ``model``'s concrete fields and, for the fields that need any, their converters."""
    connection = connections[using]
    names, converting = [], []
    for index, field in enumerate(model._meta.concrete_fields):
        names.append(field.attname)
        col = field.get_col(model._meta.db_table)
        converters = (*connection.ops.get_db_converters(col), *field.get_db_converters(connection))
        if converters:
            converting.append((index, tuple(converters), col))
    return names, converting


def instance(model: type[M], values: Sequence[Any], using: str) -> M:
    """A model instance from its concrete columns' values (as ``select_columns`` lists them), as the ORM makes one."""
    names, converting = _readers(model, using)
    row = list(values)
    if converting:
        connection = connections[using]
        for index, converters, col in converting:
            value = row[index]
            for converter in converters:
                value = converter(value, col, connection)
            row[index] = value
    return model.from_db(using, names, row)


def _insert_fields(model: type[Model]) -> list[Field[Any, Any]]:
    meta = model._meta
    return [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]


@functools.lru_cache(maxsize=256)
def insert_sql(model: type[Model], using: str, *, ignore_conflicts: bool = False) -> str:
    """``INSERT`` of one ``model`` row returning its primary key (``ignore_conflicts``: nothing when a unique index
    already holds its key; ``ON CONFLICT DO NOTHING`` / SQLite's ``INSERT OR IGNORE``)."""
    connection = connections[using]
    fields = _insert_fields(model)
    columns = ", ".join(qn(using, str(f.column)) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    verb = "INSERT"
    tail = ""
    if ignore_conflicts:
        if connection.vendor == "sqlite":
            verb = "INSERT OR IGNORE"
        else:
            tail = " ON CONFLICT DO NOTHING"
    returning = f" RETURNING {qn(using, str(model._meta.pk.column))}"
    return f"{verb} INTO {table(model, using)} ({columns}) VALUES ({placeholders}){tail}{returning}"


@functools.lru_cache(maxsize=256)
def insert_many_sql(model: type[Model], using: str, rows: int) -> str:
    """``insert_sql`` of ``rows`` rows in one statement, returning their primary keys in the order given (as the
    ORM's ``bulk_create`` reads them)."""
    one = insert_sql(model, using)
    head, _values, returning = one.partition(" VALUES ")
    row, _space, returning = returning.partition(" RETURNING ")
    return f"{head} VALUES {', '.join([row] * rows)} RETURNING {returning}"


def insert_params(row: Model, using: str, *, given: frozenset[str] = frozenset()) -> list[Any]:
    """The parameters of ``insert_sql`` for ``row``: each field's ``pre_save`` (``auto_now_add`` sets the time on
    the instance) through ``get_db_prep_save``, as the ORM's insert prepares them. Fields named in ``given`` keep
    the instance's value (a time that is not now)."""
    connection = connections[using]
    return [
        f.get_db_prep_save(getattr(row, f.attname) if f.name in given else f.pre_save(row, True), connection)
        for f in _insert_fields(type(row))
    ]


def insert_rows(rows: Sequence[Model], using: str, *, given: frozenset[str] = frozenset()) -> None:
    """Insert ``rows`` (of one model) in one statement, each marked saved with its primary key; ``given`` as for
    ``insert_params``."""
    if not rows:
        return
    connection = connections[using]
    size = max(1, connection.ops.bulk_batch_size(_insert_fields(type(rows[0])), rows))  # SQLite's parameter limit
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        params = [param for row in chunk for param in insert_params(row, using, given=given)]
        with connection.cursor() as cursor:
            cursor.execute(insert_many_sql(type(chunk[0]), using, len(chunk)), params)
            keys = cursor.fetchall()
        for row, (pk,) in zip(chunk, keys, strict=True):
            inserted(row, pk, using)


def inserted(row: Model, pk: Any, using: str) -> None:
    """Mark ``row`` as saved with primary key ``pk`` (what ``Model.save`` does after its insert)."""
    row.pk = pk
    row._state.adding, row._state.db = False, using


def insert_row(row: Model, using: str, *, ignore_conflicts: bool = False) -> bool:
    """Insert ``row`` in one statement; False (and nothing written) when ``ignore_conflicts`` and its key is taken."""
    with connections[using].cursor() as cursor:
        cursor.execute(insert_sql(type(row), using, ignore_conflicts=ignore_conflicts), insert_params(row, using))
        result = cursor.fetchone()
    if result is None:
        return False
    inserted(row, result[0], using)
    return True
