"""Low-level schema operations behind provisioning: clone the template, check migrations.

django-tenants clones the template and then runs a faked ``migrate_schemas`` to record the
migrations. The clone already carries the template's ``django_migrations`` rows, so that step
only costs time, and when the template is behind the code it is harmful: it records
migrations as applied that never ran. Here the clone is checked instead, and a template that
is behind stops provisioning with a message.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CLONE_SCHEMA_FUNCTION
from django_tenants.utils import schema_exists

_CLONE_FUNCTION_SIGNATURE = "public.clone_schema(text,text,public.cloneparms[])"


def clone_function_install() -> None:
    """(Re)install django-tenants' ``clone_schema`` SQL function. Deploys run this."""
    owner = settings.DATABASES["default"].get("USER") or "postgres"
    with connection.cursor() as cursor:
        cursor.execute(CLONE_SCHEMA_FUNCTION.format(db_user=owner))


def _clone_function_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [_CLONE_FUNCTION_SIGNATURE])
        return bool(cursor.fetchone()[0])


@lru_cache(maxsize=1)
def _migrations_on_disk() -> frozenset[tuple[str, str]]:
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def schema_missing_migrations(schema_name: str) -> list[tuple[str, str]]:
    """Migrations of the code that ``schema_name`` has not recorded as applied."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema_name}".django_migrations')  # noqa: S608
        applied = set(cursor.fetchall())
    return sorted(_migrations_on_disk() - applied)


def schema_clone_from_template(schema_name: str) -> None:
    """Create ``schema_name`` as a copy, with data, of the template schema.

    Raises ImproperlyConfigured when the template is missing or behind the code; never falls
    back to replaying migrations.
    """
    template = settings.TENANT_BASE_SCHEMA
    if not schema_exists(template):
        raise ImproperlyConfigured(
            f"The template schema {template!r} is missing, so {schema_name!r} cannot be cloned "
            "from it. Run `python manage.py migrate_schemas --shared && python manage.py "
            "tenants_bootstrap && python manage.py migrate_schemas --tenant`."
        )
    missing = schema_missing_migrations(template)
    if missing:
        raise ImproperlyConfigured(
            f"The template schema {template!r} lacks migrations "
            f"{', '.join('.'.join(m) for m in missing[:5])}"
            f"{' ...' if len(missing) > 5 else ''}; run `python manage.py migrate_schemas "
            "--tenant` before creating organizations."
        )
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    if not _clone_function_exists():
        clone_function_install()
    with connection.cursor() as cursor:
        cursor.execute("SELECT public.clone_schema(%s, %s, 'DATA')", [template, schema_name])
