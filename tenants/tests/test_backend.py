"""The database backend's list of tables (tenants/backend/base.py): Django's list, for each
schema, found through an index rather than by a look at every relation in the database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.backends.postgresql.introspection import DatabaseIntrospection
from django_tenants.utils import schema_context

from tenants.backend.base import TABLES_OF_SCHEMA

pytestmark = pytest.mark.django_db


def _djangos_own_list(schema: str) -> list[str]:
    """What Django's PostgreSQL introspection lists with the search path on ``schema`` alone
    (as django-tenants' introspection sets it)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        before = cursor.fetchone()[0]
        cursor.execute(f'SET search_path = "{schema}"')
        try:
            return sorted(
                t.name for t in DatabaseIntrospection.get_table_list(connection.introspection, cursor)
            )
        finally:
            cursor.execute(f"SET search_path = {before}")


def test_each_schema_lists_its_own_tables_and_views_as_django_does(org_a, org_b):
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE VIEW "{org_b.schema_name}".only_bravo AS SELECT 1 AS one')
    try:
        for schema in ("public", org_a.schema_name, org_b.schema_name):
            with schema_context(schema):
                listed = sorted(connection.introspection.table_names(include_views=True))
            assert listed == _djangos_own_list(schema), schema
            assert "django_migrations" in listed
        with schema_context(org_a.schema_name):
            alpha = connection.introspection.get_table_list(connection.cursor())
        with schema_context(org_b.schema_name):
            bravo = {t.name: t.type for t in connection.introspection.get_table_list(connection.cursor())}
        assert "only_bravo" not in {t.name for t in alpha} and bravo["only_bravo"] == "v"
        assert bravo["verification_employee"] == "t"
        with schema_context("public"):
            assert "tenants_organization" in connection.introspection.table_names()
            assert "verification_employee" not in connection.introspection.table_names()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP VIEW "{org_b.schema_name}".only_bravo')


def test_the_list_reads_an_index_not_every_relation(org_a):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # what the planner does with a big catalog
        cursor.execute("EXPLAIN " + TABLES_OF_SCHEMA, [org_a.schema_name])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "pg_depend_reference_index" in plan, plan
    assert "Seq Scan on pg_class" not in plan and "pg_table_is_visible" not in plan, plan
