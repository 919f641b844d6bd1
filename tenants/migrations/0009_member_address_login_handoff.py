import hashlib
import hmac

from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion


def _digest(email: str) -> str:
    # Same as tenants.members.member_address_digest (kept here: migrations must not change
    # when the code does).
    key = hashlib.sha256(b"tika.member-address" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def backfill(apps, schema_editor):
    """Index the active members of every organization that already exists."""
    Organization = apps.get_model("tenants", "Organization")
    MemberAddress = apps.get_model("tenants", "MemberAddress")
    connection = schema_editor.connection
    for organization in Organization.objects.filter(kind="customer"):
        schema = connection.ops.quote_name(organization.schema_name)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = 'auth_user'",
                [organization.schema_name],
            )
            if cursor.fetchone() is None:
                continue
            cursor.execute(f"SELECT DISTINCT lower(username) FROM {schema}.auth_user WHERE is_active")  # noqa: S608
            emails = [row[0] for row in cursor.fetchall()]
        MemberAddress.objects.bulk_create(
            [MemberAddress(email_digest=_digest(e), organization=organization) for e in emails],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):

    dependencies = [
        ("tenants", "0008_organization_time_zone"),
    ]

    operations = [
        migrations.CreateModel(
            name="MemberAddress",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("email_digest", models.CharField(max_length=64)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="member_addresses",
                        to="tenants.organization",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["email_digest"], name="member_address_digest")],
                "constraints": [
                    models.UniqueConstraint(fields=("email_digest", "organization"), name="member_address_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="LoginHandoff",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("user_id", models.PositiveIntegerField()),
                ("client_hash", models.CharField(max_length=64)),
                ("expires_at", models.DateTimeField()),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenants.organization",
                    ),
                ),
            ],
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
