"""Records made before sealing: their key becomes its digest and their answer is sealed under it.

The key is still in clear here, so every live record keeps replaying after the upgrade. Backwards, the keys cannot
be recovered from their digests: the records are deleted (they are a 48-hour memory of answers; a retry after that
runs as a new request, the same as after the TTL).
"""

from django.db import migrations

# Imported, not copied: the runtime must open what this writes, so both use the one sealing format.
from stampcard.api import sealing


def seal_records(apps, schema_editor):
    IdempotencyRecord = apps.get_model("pos", "IdempotencyRecord")
    for record in IdempotencyRecord.objects.filter(key_digest__isnull=True).iterator():
        record.body = sealing.seal(
            bytes(record.body), api_key_id=record.api_key_id, key=record.key, status=record.status_code
        )
        record.key_digest = sealing.key_digest(record.key)
        record.save(update_fields=["body", "key_digest"])


def forget_records(apps, schema_editor):
    apps.get_model("pos", "IdempotencyRecord").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("pos", "0002_idempotency_key_digest_add")]

    operations = [migrations.RunPython(seal_records, forget_records)]
