"""Web-card links leave the database in clear: each token becomes a SHA-256 and a sealed copy (``core.secretbox``).

Every link already sent or shown in a wallet pass keeps opening (its token hashes to the stored digest), and passes,
pages and emails show the same link as before. Reversible: going back unseals the tokens into their clear column
(with the ``SECRET_KEY`` they were sealed under, or a fallback of it).
"""

from django.db import migrations

# Imported, not copied: the runtime must open what this writes, so both use the one sealing format and purpose.
from stampcard.cards.models import CARD_LINK_TOKEN_PURPOSE
from stampcard.core import secretbox


def seal_tokens(apps, schema_editor):
    CardLink = apps.get_model("cards", "CardLink")
    for link in CardLink.objects.filter(token__isnull=False).only("pk", "token").iterator():
        CardLink.objects.filter(pk=link.pk).update(
            token_digest=secretbox.digest(link.token),
            token_sealed=secretbox.seal(link.token, purpose=CARD_LINK_TOKEN_PURPOSE),
            token=None,
        )


def unseal_tokens(apps, schema_editor):
    CardLink = apps.get_model("cards", "CardLink")
    for link in CardLink.objects.filter(token__isnull=True).only("pk", "token_digest", "token_sealed").iterator():
        token = secretbox.unseal(link.token_sealed, purpose=CARD_LINK_TOKEN_PURPOSE, stored_digest=link.token_digest)
        if token is None:
            raise RuntimeError(f"cannot unseal the web link {link.pk}: restore SECRET_KEY first")
        CardLink.objects.filter(pk=link.pk).update(token=token)


class Migration(migrations.Migration):
    dependencies = [("cards", "0011_card_link_token_sealed_add")]

    operations = [migrations.RunPython(seal_tokens, unseal_tokens)]
