"""``CardLink`` and ``ProgramLink`` now belong to cards (``cards.0009`` took them over in state; the tables stay, under
their old names). Here they leave ``join``'s state without touching the database, and their content types follow them,
so permissions and admin history attached to them are kept."""

from django.db import migrations

MOVED = ("cardlink", "programlink")


def content_types_to_cards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if ContentType.objects.using(db).filter(app_label="cards", model=model).exists():
            continue  # made by an earlier migrate of cards; the old one is left for remove_stale_contenttypes
        ContentType.objects.using(db).filter(app_label="join", model=model).update(app_label="cards")


def content_types_to_join(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if not ContentType.objects.using(db).filter(app_label="join", model=model).exists():
            ContentType.objects.using(db).filter(app_label="cards", model=model).update(app_label="join")


class Migration(migrations.Migration):
    dependencies = [
        ("join", "0002_throttle_moved_to_core"),
        ("cards", "0009_card_and_program_links_from_join"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CardLink"),
                migrations.DeleteModel(name="ProgramLink"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_cards, content_types_to_join),
    ]
