"""Throw-away organizations for benchmarks: made by the real sign-up service, always removed.

Benchmarks run against the development database that `make bench` migrated, never against
pytest's test database or production. Every organization made here has a ``bench-<random>``
subdomain (schema ``org_bench_<random>``), so whatever a crashed run left is easy to find:
``leftovers()`` lists it, ``organization_remove()`` removes it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from tenants.models import Organization
from tenants.services import organization_create, organization_drop
from tenants.validators import schema_name_for

SLUG_PREFIX = "bench-"
# Not a secret: the owners of bench organizations live for seconds and never sign in.
OWNER_PASSWORD = f"bench-{secrets.token_urlsafe(12)}"


def database_guard() -> None:
    """Refuse to run against pytest's test database or with test/production settings."""
    database = connection.settings_dict["NAME"]
    settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    if database.startswith("test_") or settings_module.endswith((".test", ".production")):
        raise SystemExit(
            f"bench: refusing to run on database {database!r} with settings {settings_module!r}; "
            "benchmarks run on the development database (portal.settings.dev)."
        )


def new_slug() -> str:
    """A fresh subdomain for a bench organization (valid per tenants.validators)."""
    return f"{SLUG_PREFIX}{secrets.token_hex(5)}"


def organization_create_for_bench(slug: str) -> Organization:
    """Provision organization ``slug`` through the real sign-up service."""
    return organization_create(
        name=f"Bench {slug}",
        slug=slug,
        owner_name="Bench Owner",
        owner_email=f"owner@{slug}.example",
        owner_password=OWNER_PASSWORD,
    )


def organization_remove(slug: str) -> None:
    """Drop the schema and delete the rows of bench organization ``slug``, if they exist."""
    if not slug.startswith(SLUG_PREFIX):
        raise ValueError(f"{slug!r} is not a bench organization")
    organization_drop(slug=slug)


@contextmanager
def bench_organization() -> Iterator[Organization]:
    """A ready organization for the duration of the block, removed afterwards (even on error)."""
    slug = new_slug()
    try:
        yield organization_create_for_bench(slug)
    finally:
        organization_remove(slug)


def leftovers() -> list[str]:
    """Slugs of bench organizations whose rows or schema are still in the database.

    Normally none: only a run that was killed, or one running at the same time, leaves some.
    """
    slugs = set(Organization.objects.filter(slug__startswith=SLUG_PREFIX).values_list("slug", flat=True))
    schema_prefix = schema_name_for(SLUG_PREFIX)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", [schema_prefix])
        slugs.update(SLUG_PREFIX + row[0].removeprefix(schema_prefix) for row in cursor.fetchall())
    return sorted(slugs)
