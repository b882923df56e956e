from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("apple_wallet", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="applepass",
            name="authentication_token_digest",
            field=models.CharField(
                max_length=64, null=True, help_text="SHA-256 of the web-service authentication token."
            ),
        ),
        migrations.AddField(
            model_name="applepass",
            name="authentication_token_sealed",
            field=models.CharField(max_length=160, editable=False, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="applepass",
            name="public_token_digest",
            field=models.CharField(max_length=64, null=True, help_text="SHA-256 of the download link's token."),
        ),
        migrations.AddField(
            model_name="applepass",
            name="public_token_sealed",
            field=models.CharField(max_length=160, editable=False, default=""),
            preserve_default=False,
        ),
        # Nullable and not unique while the data migration empties them, so that going back can refill them.
        migrations.AlterField(
            model_name="applepass", name="authentication_token", field=models.CharField(max_length=64, null=True)
        ),
        migrations.AlterField(
            model_name="applepass", name="public_token", field=models.CharField(max_length=43, null=True)
        ),
    ]
