"""Organizations' schemas cloned from the template: content types and permissions come along,
everything migrated, and a missing or outdated template (or clone function) handled loudly."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import schema_context, schema_exists

from tenants.models import Organization
from tenants.services import organization_create
from tenants.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def _count(schema: str, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')  # noqa: S608 - test-only names
        return int(cursor.fetchone()[0])


def test_new_organization_has_the_templates_content_types_and_permissions():
    OrganizationFactory.create(slug="gamma")
    for table in ("django_content_type", "auth_permission", "auth_group", "django_migrations"):
        assert _count("org_gamma", table) == _count(settings.TENANT_BASE_SCHEMA, table) > 0


def test_template_and_tenants_are_fully_migrated(org_a):
    for schema in (settings.TENANT_BASE_SCHEMA, org_a.schema_name):
        with schema_context(schema):
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            assert plan == [], f"{schema} has unapplied migrations"


def test_missing_template_fails_loudly_instead_of_migrating():
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA {settings.TENANT_BASE_SCHEMA} RENAME TO template_moved_away")
    with pytest.raises(ImproperlyConfigured, match="template schema"):
        organization_create(
            name="Delta", slug="delta", owner_name="D", owner_email="d@delta.example", owner_password="x"
        )
    assert not Organization.objects.filter(slug="delta").exists()
    assert not schema_exists("org_delta")


def test_template_behind_the_code_fails_loudly_instead_of_faking_migrations():
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {settings.TENANT_BASE_SCHEMA}.django_migrations "  # noqa: S608
            "WHERE app = 'verification' AND name = '0001_role_groups'"
        )
    with pytest.raises(ImproperlyConfigured, match=r"lacks migrations verification\.0001_role_groups"):
        organization_create(
            name="Eta", slug="eta", owner_name="E", owner_email="e@eta.example", owner_password="x"
        )
    assert not Organization.objects.filter(slug="eta").exists()
    assert not schema_exists("org_eta")


def test_clone_function_is_installed_when_missing():
    with connection.cursor() as cursor:
        cursor.execute("DROP FUNCTION public.clone_schema(text, text, public.cloneparms[])")
    OrganizationFactory.create(slug="theta")
    assert schema_exists("org_theta")


def _indexes(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = %s", [schema])
        return set(cursor.fetchall())


def test_a_clone_keeps_the_templates_index_names():
    # tenants.schemas replaces clone_schema's catalog-wide scans (the index renaming among
    # them); without the renaming, CREATE TABLE ... LIKE leaves names such as <table>_<col>_idx.
    # Unique constraints are named by PostgreSQL in clones (<...>_key), as before the change.
    OrganizationFactory.create(slug="delta")
    template, clone = _indexes(settings.TENANT_BASE_SCHEMA), _indexes("org_delta")
    assert len(template) == len(clone) > 50

    def plain(indexes: set[tuple[str, str]]) -> set[tuple[str, str]]:
        return {i for i in indexes if not i[1].endswith(("_uniq", "_key"))}

    assert len(plain(template)) > 30
    assert plain(template) == plain(clone)


def test_the_clone_function_replaces_every_catalog_wide_scan():
    from django_tenants.clone import CLONE_SCHEMA_FUNCTION

    from tenants.schemas import clone_function_sql

    fixed = clone_function_sql()
    assert "FROM pg_indexes old, pg_indexes new" in CLONE_SCHEMA_FUNCTION
    assert "FROM pg_indexes old, pg_indexes new" not in fixed
    assert "REGEXP_MATCHES(s.column_name" not in fixed.split("--Issue#17 put double-quotes")[1][:600]
