"""migrate_schemas at scale (tenants/migrating.py): up-to-date schemas are skipped, each
schema migrates in its own transaction, and a failure is reported by name."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tenants.migrating import schemas_behind
from tenants.schemas import _migrations_on_disk


def _latest(app: str) -> tuple[str, str]:
    return max(key for key in _migrations_on_disk() if key[0] == app)


def _latest_creating_a_table(app: str) -> tuple[str, str]:
    """The newest migration of ``app`` that creates a model: applied again, it must fail."""
    from django.db import migrations
    from django.db.migrations.loader import MigrationLoader

    graph = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    creating = [
        key
        for key, migration in graph.items()
        if key[0] == app and any(isinstance(op, migrations.CreateModel) for op in migration.operations)
    ]
    return max(creating)


def _forget_applied(schema: str, migration: tuple[str, str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s',  # noqa: S608
            list(migration),
        )


def _recorded(schema: str, migration: tuple[str, str]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT count(*) FROM "{schema}".django_migrations WHERE app = %s AND name = %s',  # noqa: S608
            list(migration),
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.django_db
def test_only_schemas_missing_a_migration_are_visited(org_a, org_b):
    schemas = [settings.TENANT_BASE_SCHEMA, org_a.schema_name, org_b.schema_name]
    assert schemas_behind(schemas) == []

    _forget_applied(org_b.schema_name, _latest("verification"))
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "zz_no_migrations_yet"')
    assert schemas_behind([*schemas, "zz_no_migrations_yet"]) == [org_b.schema_name, "zz_no_migrations_yet"]


@pytest.mark.django_db
def test_a_failing_organization_is_named_and_rolled_back_the_others_migrate(org_a, org_b, settings):
    settings.TENANT_MULTIPROCESSING_MAX_PROCESSES = 1  # in this process: it sees the test's rows
    # Org A misses a migration of a public app: in a tenant schema it only records itself.
    tenants_latest = _latest("tenants")
    _forget_applied(org_a.schema_name, tenants_latest)
    # Org B "misses" a migration whose table is already there: applying it fails.
    verification_latest = _latest_creating_a_table("verification")
    _forget_applied(org_b.schema_name, verification_latest)

    with pytest.raises(CommandError) as failed:
        call_command("migrate_schemas", "--tenant", "--executor=multiprocessing", verbosity=0)

    message = str(failed.value)
    assert "1 of 2 schemas failed" in message
    assert f"{org_b.schema_name} ({org_b.get().name})" in message
    assert org_a.schema_name not in message
    assert _recorded(org_a.schema_name, tenants_latest)  # migrated
    assert not _recorded(org_b.schema_name, verification_latest)  # rolled back, whole
    assert schemas_behind([org_a.schema_name, org_b.schema_name]) == [org_b.schema_name]


@pytest.mark.django_db
def test_nothing_to_apply_visits_no_schema(org_a, capsys):
    call_command("migrate_schemas", "--tenant", "--executor=multiprocessing", verbosity=1)
    out = capsys.readouterr().out
    assert "schemas up to date" in out
    assert "0 schemas migrated" in out
    assert "Starting migration" not in out
