"""Trigram indexes for the customer directory's searches on PostgreSQL (``cards.directory``).

A name is searched by the words it contains (``name_folded LIKE '%word%'``) and a phone by its tail
(``phone LIKE '%4567'``): a B-tree cannot serve either, so at a million customers each search read the whole table.
A ``gin_trgm_ops`` index serves both. PostgreSQL only (pg_trgm is a trusted extension: the database owner may create
it); on SQLite the migration does nothing, the searches stay the same and the tables stay small.
"""

from django.db import migrations

INDEXES = {
    "customer_name_trgm": "name_folded",
    "customer_phone_trgm": "phone",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_customer_merge")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
