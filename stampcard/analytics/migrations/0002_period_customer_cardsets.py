from django.db import migrations, models


def rebuild_on_next_refresh(apps, schema_editor):
    # The rows made before hold counts but no sets of cards. Without its cursor the next refresh (every few
    # minutes in the worker) rebuilds every merchant's rollups from scratch, sets included.
    apps.get_model("analytics", "RollupCursor").objects.filter(name="analytics.rollups").delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_rollups")]

    operations = [
        migrations.AddField(
            model_name="periodcustomers",
            name="active_cards",
            field=models.BinaryField(default=b"", help_text="The active cards' numbers (analytics.cardsets)."),
        ),
        migrations.AddField(
            model_name="periodcustomers",
            name="returning_cards",
            field=models.BinaryField(default=b"", help_text="The returning cards' numbers."),
        ),
        migrations.RunPython(rebuild_on_next_refresh, migrations.RunPython.noop, elidable=True),
    ]
