from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0002_throttle_moved_to_core")]

    operations = [
        migrations.AddField(
            model_name="voucher",
            name="public_token_digest",
            field=models.CharField(
                max_length=64, null=True, help_text="SHA-256 of the unguessable part of the voucher's public link."
            ),
        ),
        migrations.AddField(
            model_name="voucher",
            name="public_token_sealed",
            field=models.CharField(max_length=160, editable=False, default=""),
            preserve_default=False,
        ),
        # Nullable and not unique while the data migration empties it, so that going back can refill it.
        migrations.AlterField(
            model_name="voucher",
            name="public_token",
            field=models.CharField(
                max_length=43, null=True, help_text="The unguessable part of the voucher's public link."
            ),
        ),
    ]
