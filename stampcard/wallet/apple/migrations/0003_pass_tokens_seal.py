"""The passes' tokens leave the database in clear: each becomes a SHA-256 and a sealed copy (``core.secretbox``).

Every installed pass keeps working: its device sends the same token, which now matches the digest, and a rebuilt
pass carries the same token, unsealed. Reversible: going back unseals the tokens into their clear columns (with the
``SECRET_KEY`` they were sealed under, or a fallback of it).
"""

from django.db import migrations

# Imported, not copied: the runtime must open what this writes, so both use the one sealing format and purposes.
from stampcard.core import secretbox
from stampcard.wallet.apple.models import AUTHENTICATION_TOKEN_PURPOSE, PUBLIC_TOKEN_PURPOSE

_TOKENS = {"authentication_token": AUTHENTICATION_TOKEN_PURPOSE, "public_token": PUBLIC_TOKEN_PURPOSE}


def seal_tokens(apps, schema_editor):
    ApplePass = apps.get_model("apple_wallet", "ApplePass")
    for apple_pass in ApplePass.objects.filter(public_token__isnull=False).iterator():
        for name, purpose in _TOKENS.items():
            token = getattr(apple_pass, name)
            setattr(apple_pass, f"{name}_digest", secretbox.digest(token))
            setattr(apple_pass, f"{name}_sealed", secretbox.seal(token, purpose=purpose))
            setattr(apple_pass, name, None)
        apple_pass.save()


def unseal_tokens(apps, schema_editor):
    ApplePass = apps.get_model("apple_wallet", "ApplePass")
    for apple_pass in ApplePass.objects.filter(public_token__isnull=True).iterator():
        for name, purpose in _TOKENS.items():
            stored = getattr(apple_pass, f"{name}_digest")
            token = secretbox.unseal(getattr(apple_pass, f"{name}_sealed"), purpose=purpose, stored_digest=stored)
            if token is None:
                raise RuntimeError(f"cannot unseal the {name} of Apple pass {apple_pass.pk}: restore SECRET_KEY first")
            setattr(apple_pass, name, token)
        apple_pass.save()


class Migration(migrations.Migration):
    dependencies = [("apple_wallet", "0002_pass_tokens_sealed_add")]

    operations = [migrations.RunPython(seal_tokens, unseal_tokens)]
