"""Customers keep their own language. Rows from before read their merchant's language, which is what every page,
pass and email of theirs spoke until now."""

from django.db import migrations, models

LANGUAGES = ("en", "uk")  # settings.LANGUAGES when this was written
DEFAULT = "en"
CHUNK = 500


def _language(locale: str) -> str:
    code = (locale or "").strip().lower().replace("_", "-")
    base = code.split("-", 1)[0]
    return code if code in LANGUAGES else base if base in LANGUAGES else DEFAULT


def backfill(apps, schema_editor):
    Merchant = apps.get_model("merchants", "Merchant")
    Customer = apps.get_model("customers", "Customer")
    by_language: dict[str, list] = {}
    for merchant_id, locale in Merchant.objects.values_list("pk", "locale").iterator():
        by_language.setdefault(_language(locale), []).append(merchant_id)
    for language, merchant_ids in by_language.items():
        if language == DEFAULT:
            continue  # the column's default already
        for start in range(0, len(merchant_ids), CHUNK):
            Customer.objects.filter(merchant_id__in=merchant_ids[start : start + CHUNK]).update(language=language)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_name_and_phone_trigram_indexes"),
        ("merchants", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("uk", "Ukrainian")],
                default="en",
                help_text="The language the customer reads their card, passes and emails in: the one they joined in.",
                max_length=8,
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
