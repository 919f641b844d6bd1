"""ImportJob.content is stored encrypted (verification.crypto, FIELD_ENCRYPTION_KEYS).

Files stored before this migration (previews waiting for a confirmation, or a check still
running) are encrypted in place, one row at a time, so they keep working; emptied files
(done, cancelled, failed) stay empty. Backwards, the files are decrypted again.
"""

from django.db import migrations

import verification.crypto


def _recode(apps, schema_editor, transform) -> None:  # type: ignore[no-untyped-def]
    ImportJob = apps.get_model("verification", "ImportJob")
    # The historical field (a plain BinaryField before AlterField) reads and writes raw bytes.
    for pk in ImportJob.objects.exclude(content=b"").values_list("pk", flat=True).iterator():
        raw = ImportJob.objects.filter(pk=pk).values_list("content", flat=True).first()
        if raw:
            ImportJob.objects.filter(pk=pk).update(content=transform(bytes(raw)))


def encrypt_files(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    _recode(apps, schema_editor, verification.crypto.encrypt_bytes)


def decrypt_files(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    _recode(apps, schema_editor, verification.crypto.decrypt_bytes)


class Migration(migrations.Migration):

    dependencies = [
        ("verification", "0006_employee_last_invited_at"),
    ]

    operations = [
        # Forwards: encrypt while the field is still plain; backwards: the AlterField is
        # undone first, then the files are decrypted through the plain field.
        migrations.RunPython(encrypt_files, decrypt_files),
        migrations.AlterField(
            model_name="importjob",
            name="content",
            field=verification.crypto.EncryptedBinaryField(),
        ),
    ]
