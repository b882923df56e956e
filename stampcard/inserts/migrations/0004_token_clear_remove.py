from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inserts", "0003_token_seal")]

    operations = [
        migrations.RemoveField(model_name="insert", name="token"),
        migrations.AlterField(
            model_name="insert",
            name="token_digest",
            field=models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token in the insert's QR."),
        ),
    ]
