from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0004_public_token_seal")]

    operations = [
        migrations.RemoveField(model_name="voucher", name="public_token"),
        migrations.AlterField(
            model_name="voucher",
            name="public_token_digest",
            field=models.CharField(
                max_length=64, unique=True, help_text="SHA-256 of the unguessable part of the voucher's public link."
            ),
        ),
    ]
