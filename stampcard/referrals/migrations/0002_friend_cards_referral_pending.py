from django.db import migrations


def mark_waiting_friends(apps, schema_editor):
    """Cards whose referral still waits for the first paid visit say so, since checkouts only look when they do."""
    Card = apps.get_model("cards", "Card")
    Referral = apps.get_model("referrals", "Referral")
    waiting = Referral.objects.filter(state="joined").values("friend_card_id")
    Card.objects.filter(pk__in=waiting).update(referral_pending=True)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("cards", "0024_card_referral_pending"),
    ]

    operations = [migrations.RunPython(mark_waiting_friends, migrations.RunPython.noop)]
