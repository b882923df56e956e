from django.db import migrations, models


def forget_records(apps, schema_editor):
    # Backwards, the clear key column comes back and no record can fill it: the records go first (0003 says why).
    apps.get_model("pos", "IdempotencyRecord").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("pos", "0003_idempotency_records_seal")]

    operations = [
        migrations.RemoveConstraint(model_name="idempotencyrecord", name="idempotency_key_unique_per_api_key"),
        migrations.RemoveField(model_name="idempotencyrecord", name="key"),
        migrations.AlterField(
            model_name="idempotencyrecord",
            name="key_digest",
            field=models.CharField(max_length=64, help_text="SHA-256 of the Idempotency-Key (never stored in clear)."),
        ),
        migrations.AddConstraint(
            model_name="idempotencyrecord",
            constraint=models.UniqueConstraint(
                fields=("api_key", "key_digest"), name="idempotency_key_digest_unique_per_api_key"
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, forget_records),
    ]
