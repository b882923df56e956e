"""Voucher links leave the database in clear: each token becomes a SHA-256 and a sealed copy (``core.secretbox``).

Every printed or sent link keeps working (its token hashes to the stored digest) and the panel and the voucher's
page show the same link as before. Reversible: going back unseals the tokens into their clear column (with the
``SECRET_KEY`` they were sealed under, or a fallback of it).
"""

from django.db import migrations

# Imported, not copied: the runtime must open what this writes, so both use the one sealing format and purpose.
from stampcard.core import secretbox
from stampcard.vouchers.models import PUBLIC_TOKEN_PURPOSE


def seal_tokens(apps, schema_editor):
    Voucher = apps.get_model("vouchers", "Voucher")
    for voucher in Voucher.objects.filter(public_token__isnull=False).only("pk", "public_token").iterator():
        token = voucher.public_token
        Voucher.objects.filter(pk=voucher.pk).update(
            public_token_digest=secretbox.digest(token),
            public_token_sealed=secretbox.seal(token, purpose=PUBLIC_TOKEN_PURPOSE),
            public_token=None,
        )


def unseal_tokens(apps, schema_editor):
    Voucher = apps.get_model("vouchers", "Voucher")
    rows = Voucher.objects.filter(public_token__isnull=True).only("pk", "public_token_digest", "public_token_sealed")
    for voucher in rows.iterator():
        token = secretbox.unseal(
            voucher.public_token_sealed, purpose=PUBLIC_TOKEN_PURPOSE, stored_digest=voucher.public_token_digest
        )
        if token is None:
            raise RuntimeError(f"cannot unseal the link of voucher {voucher.pk}: restore SECRET_KEY first")
        Voucher.objects.filter(pk=voucher.pk).update(public_token=token)


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0003_public_token_sealed_add")]

    operations = [migrations.RunPython(seal_tokens, unseal_tokens)]
