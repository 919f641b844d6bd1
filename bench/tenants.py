"""Tenant creation: cloning the template schema versus replaying every migration.

Both variants call the real sign-up service, ``tenants.services.organization_create`` (rows,
schema, owner user, all in one transaction). The baseline swaps only how the schema is made
for django-tenants' no-template path: ``CREATE SCHEMA`` then
``migrate_schemas --tenant --schema_name=...`` (what every sign-up would cost without the
template).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from unittest import mock

from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.utils import schema_context

from bench import Figure, timed
from bench.throwaway import new_slug, organization_create_for_bench, organization_remove
from tenants.members import group_name
from tenants.models import Organization
from tenants.validators import schema_name_for

RUNS = 5
WARMUP_RUNS = 1


def create_by_clone(slug: str) -> None:
    organization_create_for_bench(slug)


def _create_schema_by_migration(
    self: Organization, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1
) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{self.schema_name}"')
    call_command("migrate_schemas", tenant=True, schema_name=self.schema_name, interactive=False, verbosity=0)
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    return True


def create_by_migration(slug: str) -> None:
    with mock.patch.object(Organization, "create_schema", _create_schema_by_migration):
        organization_create_for_bench(slug)


@dataclass(frozen=True)
class Outline:
    """What provisioning must have made: compared between the two variants."""

    tables: tuple[str, ...]
    migrations: int
    content_types: int
    permissions: int
    has_owner: bool


def outline(slug: str) -> Outline:
    schema = schema_name_for(slug)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1",
            [schema],
        )
        tables = tuple(row[0] for row in cursor.fetchall())
    with schema_context(schema):
        return Outline(
            tables=tables,
            migrations=MigrationRecorder(connection).migration_qs.count(),
            content_types=ContentType.objects.count(),
            permissions=Permission.objects.count(),
            has_owner=User.objects.filter(
                email=f"owner@{slug}.example", groups__name=group_name("owner")
            ).exists(),
        )


def _one_run(create: Callable[[str], None], *, check: bool) -> tuple[float, Outline | None]:
    slug = new_slug()
    try:
        seconds, _ = timed(lambda: create(slug))
        return seconds, outline(slug) if check else None
    finally:
        organization_remove(slug)


def run() -> list[Figure]:
    variants = {"clone": create_by_clone, "migrate": create_by_migration}
    times: dict[str, list[float]] = {name: [] for name in variants}
    for i in range(WARMUP_RUNS + RUNS):
        warmup = i < WARMUP_RUNS
        outlines: dict[str, Outline | None] = {}
        # Alternate the two variants so that drift of the machine affects both alike.
        for name, create in variants.items():
            seconds, outlines[name] = _one_run(create, check=warmup)
            if not warmup:
                times[name].append(seconds)
        if warmup:
            cloned, migrated = outlines["clone"], outlines["migrate"]
            assert cloned == migrated, f"the variants provision different schemas: {cloned} != {migrated}"
            assert cloned is not None and cloned.has_owner, "the owner was not created"

    migrate = Figure(
        "tenant_create_migrate_s",
        statistics.median(times["migrate"]),
        "s",
        "lower",
        note=f"median of {RUNS}",
    )
    clone = Figure(
        "tenant_create_clone_s",
        statistics.median(times["clone"]),
        "s",
        "lower",
        baseline=migrate,
        note=f"median of {RUNS}, organization_create",
    )
    return [clone]
