from django.db import migrations, models


def rebuild_on_next_refresh(apps, schema_editor):
    # The new counter is filled by a rebuild: without its cursor the next refresh rebuilds every merchant.
    apps.get_model("analytics", "RollupCursor").objects.filter(name="analytics.rollups").delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_period_customer_cardsets")]

    operations = [
        migrations.AddField(
            model_name="dayrollup",
            name="vouchers_issued_redeemed",
            field=models.PositiveIntegerField(
                default=0, help_text="Vouchers issued this day that are redeemed by now (on any day)."
            ),
        ),
        migrations.RunPython(rebuild_on_next_refresh, migrations.RunPython.noop, elidable=True),
    ]
