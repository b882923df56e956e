from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cards", "0010_card_changes_for_wallets")]

    operations = [
        migrations.AddField(
            model_name="cardlink",
            name="token_digest",
            field=models.CharField(max_length=64, null=True, help_text="SHA-256 of the web page's token."),
        ),
        migrations.AddField(
            model_name="cardlink",
            name="token_sealed",
            field=models.CharField(max_length=160, editable=False, default=""),
            preserve_default=False,
        ),
        # Nullable and not unique while the data migration empties it, so that going back can refill it.
        migrations.AlterField(model_name="cardlink", name="token", field=models.CharField(max_length=48, null=True)),
    ]
