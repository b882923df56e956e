from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pos", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="idempotencyrecord",
            name="key_digest",
            field=models.CharField(
                max_length=64, null=True, help_text="SHA-256 of the Idempotency-Key (never stored in clear)."
            ),
        ),
        migrations.AlterField(
            model_name="idempotencyrecord",
            name="body",
            field=models.BinaryField(help_text="The response body, sealed with AES-GCM (stampcard.api.sealing)."),
        ),
    ]
