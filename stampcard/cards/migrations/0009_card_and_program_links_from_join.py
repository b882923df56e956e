"""The web token of a card and the join slug of a program move from the customer pages' app (label ``join``) to
cards, which they identify. Only Django's idea of which app owns them changes: the tables keep their names
(``join_cardlink``, ``join_programlink``) and their rows. ``join.0003`` removes them from ``join``'s state after
this adds them here, so a fresh database (``join.0001`` made the tables) and an existing one end up alike."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0008_program_receipt_and_selfservice_settings"),
        ("join", "0002_throttle_moved_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CardLink",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("token", models.CharField(max_length=48, unique=True)),
                        (
                            "card",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE, related_name="web_link", to="cards.card"
                            ),
                        ),
                    ],
                    options={"db_table": "join_cardlink"},
                ),
                migrations.CreateModel(
                    name="ProgramLink",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("slug", models.CharField(max_length=16, unique=True)),
                        (
                            "program",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="join_link",
                                to="cards.program",
                            ),
                        ),
                    ],
                    options={"db_table": "join_programlink"},
                ),
            ],
            database_operations=[],
        ),
    ]
