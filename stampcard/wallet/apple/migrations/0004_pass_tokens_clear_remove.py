from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("apple_wallet", "0003_pass_tokens_seal")]

    operations = [
        migrations.RemoveField(model_name="applepass", name="authentication_token"),
        migrations.RemoveField(model_name="applepass", name="public_token"),
        migrations.AlterField(
            model_name="applepass",
            name="authentication_token_digest",
            field=models.CharField(max_length=64, help_text="SHA-256 of the web-service authentication token."),
        ),
        migrations.AlterField(
            model_name="applepass",
            name="public_token_digest",
            field=models.CharField(max_length=64, unique=True, help_text="SHA-256 of the download link's token."),
        ),
    ]
