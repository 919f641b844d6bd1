"""``migrate_schemas`` at thousands of organizations: skip what is current, run the rest in
parallel, one transaction per schema, failures reported by name.

Stock django-tenants visits every schema, and even with nothing to apply each visit builds
Django's migration graph and checks every app (900 tenants: 12 minutes, django-tenants #719).
Here (``--executor=multiprocessing``, which ``make migrate`` uses):

1. **Skip** the schemas already up to date: one query over all schemas (in chunks) counts,
   per schema, the code's migrations it has recorded; only schemas missing one are visited.
2. The **template** schema (``TENANT_BASE_SCHEMA``, which new organizations are cloned from)
   goes first, alone; if it fails nothing else is touched.
3. The others run in a pool of ``TENANT_MULTIPROCESSING_MAX_PROCESSES`` processes, **each
   schema in its own transaction**: a failing organization is rolled back whole (never left
   half-migrated), the others carry on, and the command ends with the failed ones by name and a
   non-zero exit. (A schema with a pending ``atomic = False`` migration, such as CREATE INDEX
   CONCURRENTLY, cannot run inside one transaction: it runs as Django runs it.)

With an app label or a target migration name nothing is skipped (a rollback, a fake, a plan).
``--executor=standard`` is django-tenants' own, sequential and unfiltered (the bench's baseline).
``django-tenants-smart-executor`` 0.3.1 does the skipping with two queries per schema, without
the per-schema transaction or the failure report, and logs a warning per skipped schema: at
2,000 organizations that is 2,000 lines of noise, so the small executor here replaces it.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors import get_executor
from django_tenants.migration_executors.base import MigrationExecutor, run_migrations
from django_tenants.migration_executors.multiproc import get_pool

from tenants.schemas import _migrations_on_disk

#: Schemas per query of the up-to-date check (keeps each statement a reasonable size).
CHECK_CHUNK = 500


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schemas_behind(schemas: Sequence[str]) -> list[str]:
    """The schemas (of ``schemas``, in order) that miss a migration of the code, or have no
    migration table at all. One query for the tables, one per ``CHECK_CHUNK`` schemas."""
    wanted = sorted(f"{app}.{name}" for app, name in _migrations_on_disk())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)",
            [list(schemas)],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        current: set[str] = set()
        present = [schema for schema in schemas if schema in with_table]
        for start in range(0, len(present), CHECK_CHUNK):
            chunk = present[start : start + CHECK_CHUNK]
            sql = " UNION ALL ".join(
                f"SELECT %s, count(DISTINCT (app, name)) FROM {_quoted(schema)}.django_migrations "  # noqa: S608
                "WHERE app || '.' || name = ANY(%s)"
                for schema in chunk
            )
            params: list[Any] = []
            for schema in chunk:
                params += [schema, wanted]
            cursor.execute(sql, params)
            current.update(schema for schema, count in cursor.fetchall() if count == len(wanted))
    return [schema for schema in schemas if schema not in current]


@functools.lru_cache(maxsize=1)
def _non_atomic_migrations() -> frozenset[tuple[str, str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(key for key, migration in loader.disk_migrations.items() if not migration.atomic)


def migrate_one(args: Sequence[Any], options: dict[str, Any], codename: str, schema_name: str) -> str | None:
    """Migrate one schema in one transaction; return None, or what went wrong (never raises,
    so one organization's failure does not stop the pool)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT app, name FROM {_quoted(schema_name)}.django_migrations")  # noqa: S608
            applied = set(cursor.fetchall())
    except Exception:  # no migration table yet: run_migrations creates it
        applied = set()
    try:
        if _non_atomic_migrations() - applied:
            run_migrations(args, options, codename, schema_name, allow_atomic=False)
        else:
            with transaction.atomic():
                run_migrations(args, options, codename, schema_name, allow_atomic=True)
    except Exception as error:  # reported by name, with the others' results
        return f"{type(error).__name__}: {error}"
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]
    return None


def _migrate_in_pool(
    args: Sequence[Any], options: dict[str, Any], codename: str, schema_name: str
) -> tuple[str, str | None]:
    return schema_name, migrate_one(args, options, codename, schema_name)


class SkippingParallelExecutor(MigrationExecutor):
    """django-tenants' multiprocessing executor, skipping schemas already up to date."""

    codename = "multiprocessing"

    def _say(self, message: str) -> None:
        if int(self.options.get("verbosity", 1)) >= 1:
            sys.stdout.write(message + "\n")

    def run_migrations(self, tenants: Iterable[str] | None = None) -> None:
        schemas = list(tenants or [])
        if self.PUBLIC_SCHEMA_NAME in schemas:
            run_migrations(self.args, self.options, self.codename, self.PUBLIC_SCHEMA_NAME)
            schemas.remove(self.PUBLIC_SCHEMA_NAME)
        if not schemas:
            return
        targeted = self.options.get("app_label") or self.options.get("migration_name")
        behind = schemas if targeted else schemas_behind(schemas)
        self._say(f"migrate_schemas: {len(schemas) - len(behind)} of {len(schemas)} schemas up to date.")
        failures: dict[str, str] = {}

        template = settings.TENANT_BASE_SCHEMA
        if template in behind:
            behind.remove(template)
            error = migrate_one(self.args, self.options, self.codename, template)
            if error is not None:
                raise CommandError(
                    f"The template schema {template!r} failed to migrate ({error}); no organization "
                    "was migrated. Fix the migration and run migrate_schemas again."
                )

        processes = getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", 2)
        if processes <= 1 or len(behind) <= 1:
            for schema in behind:
                error = migrate_one(self.args, self.options, self.codename, schema)
                if error is not None:
                    failures[schema] = error
        elif behind:
            # Children must open connections of their own, not share the parent's socket.
            connections[self.TENANT_DB_ALIAS].close()
            pool = get_pool()
            try:
                work = functools.partial(_migrate_in_pool, self.args, self.options, self.codename)
                for schema, error in pool.imap_unordered(work, behind, chunksize=4):
                    if error is not None:
                        failures[schema] = error
            finally:
                pool.close()
                pool.join()
        self._report(failures, migrated=len(behind))

    def _report(self, failures: dict[str, str], *, migrated: int) -> None:
        if not failures:
            self._say(f"migrate_schemas: {migrated} schemas migrated.")
            return
        from tenants.models import Organization

        names = dict(Organization.objects.filter(schema_name__in=failures).values_list("schema_name", "name"))
        lines = [
            f"  {schema} ({names.get(schema, '?')}): {error}" for schema, error in sorted(failures.items())
        ]
        raise CommandError(
            f"{len(failures)} of {migrated} schemas failed to migrate and were rolled back; "
            "the others are migrated:\n" + "\n".join(lines)
        )

    def run_multi_type_migrations(self, tenants: Any) -> None:
        raise NotImplementedError("Tika has one tenant type")


def executor_get(codename: str | None = None) -> type[MigrationExecutor]:
    """``GET_EXECUTOR_FUNCTION``: ``multiprocessing`` is the skipping executor above; every
    other codename is django-tenants' own."""
    if codename == SkippingParallelExecutor.codename:
        return SkippingParallelExecutor
    return get_executor(codename)  # type: ignore[no-any-return]
