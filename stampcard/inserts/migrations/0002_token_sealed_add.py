from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inserts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="insert",
            name="token_digest",
            field=models.CharField(max_length=64, null=True, help_text="SHA-256 of the token in the insert's QR."),
        ),
        migrations.AddField(
            model_name="insert",
            name="token_sealed",
            field=models.CharField(max_length=160, editable=False, default=""),
            preserve_default=False,
        ),
        # Nullable and not unique while the data migration empties it, so that going back can refill it.
        migrations.AlterField(
            model_name="insert",
            name="token",
            field=models.CharField(max_length=32, null=True),
        ),
    ]
