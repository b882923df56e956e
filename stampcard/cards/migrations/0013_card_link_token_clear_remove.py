from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cards", "0012_card_link_token_seal")]

    operations = [
        migrations.RemoveField(model_name="cardlink", name="token"),
        migrations.AlterField(
            model_name="cardlink",
            name="token_digest",
            field=models.CharField(max_length=64, unique=True, help_text="SHA-256 of the web page's token."),
        ),
    ]
