"""Insert tokens leave the database in clear: each becomes a SHA-256 and a sealed copy (``core.secretbox``).

Every printed insert keeps working (its token hashes to the stored digest) and a batch's PDF downloaded again prints
the same QRs as before. Reversible: going back unseals the tokens into their clear column (with the ``SECRET_KEY``
they were sealed under, or a fallback of it). Rows are written a thousand at a time: a batch holds up to 5000.
"""

from django.db import migrations

# Imported, not copied: the runtime must open what this writes, so both use the one sealing format and purpose.
from stampcard.core import secretbox
from stampcard.inserts.models import TOKEN_PURPOSE

CHUNK = 1000


def seal_tokens(apps, schema_editor):
    Insert = apps.get_model("inserts", "Insert")
    # A chunk at a time until none is left in clear: no cursor stays open over the rows being rewritten.
    while chunk := list(Insert.objects.filter(token__isnull=False).only("pk", "token").order_by("pk")[:CHUNK]):
        for insert in chunk:
            insert.token_digest = secretbox.digest(insert.token)
            insert.token_sealed = secretbox.seal(insert.token, purpose=TOKEN_PURPOSE)
            insert.token = None
        Insert.objects.bulk_update(chunk, ["token_digest", "token_sealed", "token"])


def unseal_tokens(apps, schema_editor):
    Insert = apps.get_model("inserts", "Insert")
    sealed = Insert.objects.filter(token__isnull=True).only("pk", "token_digest", "token_sealed").order_by("pk")
    while chunk := list(sealed[:CHUNK]):
        for insert in chunk:
            token = secretbox.unseal(insert.token_sealed, purpose=TOKEN_PURPOSE, stored_digest=insert.token_digest)
            if token is None:
                raise RuntimeError(f"cannot unseal the token of insert {insert.pk}: restore SECRET_KEY first")
            insert.token = token
        Insert.objects.bulk_update(chunk, ["token"])


class Migration(migrations.Migration):
    dependencies = [("inserts", "0002_token_sealed_add")]

    operations = [migrations.RunPython(seal_tokens, unseal_tokens)]
