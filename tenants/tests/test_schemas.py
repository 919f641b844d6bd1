"""Organizations' schemas cloned from the template: the same objects and rows, everything
migrated, a cost that does not grow with the number of schemas, and a missing or outdated
template (or one holding what the clone cannot copy) handled loudly."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context, schema_exists

from tenants import schemas
from tenants.models import Organization
from tenants.services import organization_create
from tenants.tests.factories import OrganizationFactory
from tenants.tests.schema_catalog import schema_describe

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


def test_a_clone_is_the_template_object_for_object():
    # Tables, columns (types, defaults, identity, collation, storage, comments), constraints,
    # indexes by name and definition, sequences with their type, options and position,
    # functions, triggers, every row; only the schema's name differs.
    schemas.schema_clone_from_template("org_bare")
    template, clone = schema_describe(settings.TENANT_BASE_SCHEMA), schema_describe("org_bare")
    assert len(template["tables"]) > 20 and len(template["indexes"]) > 50 and template["triggers"]
    assert sum(count for count, _digest in template["rows"].values()) > 100
    for part in template:
        assert clone[part] == template[part], part


def test_a_clone_is_independent_of_the_template():
    OrganizationFactory.create(slug="delta")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO org_delta.auth_group (name) VALUES ('only in delta') RETURNING id")
        (new_id,) = cursor.fetchone()
        cursor.execute(f"SELECT max(id) FROM {settings.TENANT_BASE_SCHEMA}.auth_group")  # noqa: S608
        assert new_id == cursor.fetchone()[0] + 1  # the sequence continues where the template's is
        cursor.execute(
            f"SELECT count(*) FROM {settings.TENANT_BASE_SCHEMA}.auth_group "  # noqa: S608
            "WHERE name = 'only in delta'"
        )
        assert cursor.fetchone()[0] == 0
    # The audit trigger in the clone calls the clone's own function.
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE org_delta.verification_auditevent")


def test_the_clone_names_no_catalog_wide_view():
    # Its cost must not grow with the number of schemas: the template is described from its
    # own namespace and tables, never information_schema or pg_indexes (which span them all).
    schemas._blueprints.clear()
    with CaptureQueriesContext(connection) as queries:
        OrganizationFactory.create(slug="delta")
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    assert "pg_index x" in sql  # the description ran
    assert "information_schema" not in sql and "pg_indexes" not in sql and "clone_schema(" not in sql


def test_the_description_is_reused_until_the_template_migrates():
    first = schemas.blueprint(settings.TENANT_BASE_SCHEMA)
    assert schemas.blueprint(settings.TENANT_BASE_SCHEMA) is first
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {settings.TENANT_BASE_SCHEMA}.django_migrations (app, name, applied) "  # noqa: S608
            "VALUES ('verification', '9999_pretend', now())"
        )
    assert schemas.blueprint(settings.TENANT_BASE_SCHEMA) is not first


def test_what_the_clone_cannot_copy_stops_it_by_name():
    schemas._blueprints.clear()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE VIEW {settings.TENANT_BASE_SCHEMA}.everyone AS SELECT 1 AS one")
        cursor.execute(f"CREATE TYPE {settings.TENANT_BASE_SCHEMA}.mood AS ENUM ('fine')")
    try:
        with pytest.raises(
            ImproperlyConfigured, match=r"relation everyone \(relkind v\).*type tenant_template\.mood"
        ):
            organization_create(
                name="Iota", slug="iota", owner_name="I", owner_email="i@iota.example", owner_password="x"
            )
    finally:
        schemas._blueprints.clear()
    assert not Organization.objects.filter(slug="iota").exists()
    assert not schema_exists("org_iota")


def test_the_search_path_is_left_as_it_was():
    schemas._blueprints.clear()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path')")
        before = cursor.fetchone()[0]
        schemas.blueprint(settings.TENANT_BASE_SCHEMA)
        cursor.execute("SELECT current_setting('search_path')")
        assert cursor.fetchone()[0] == before
