"""Where a value is stored: every text and binary column of the given models' tables, read with raw SQL."""

from django.db import connection, models


def columns_holding(value: str, *tables: type[models.Model]) -> list[str]:
    """``table.column`` of every cell that contains ``value`` (as text, or as UTF-8 bytes in a binary column)."""
    needle = value.encode()
    found = []
    with connection.cursor() as cursor:
        for model in tables:
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a model's own table
            names = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for name, cell in zip(names, row, strict=True):
                    raw = bytes(cell) if isinstance(cell, bytes | memoryview) else str(cell).encode()
                    if needle in raw:
                        found.append(f"{table}.{name}")
    return found


def token_altered(token: str) -> str:
    """``token`` with its last character changed (to one it does not already end in: a token ends in "x" 1 in 64)."""
    return token[:-1] + ("y" if token.endswith("x") else "x")
