"""The database backend: django-tenants' own, whose introspection lists a schema's tables
through an index instead of asking of every relation in the database whether it is visible.

Django lists the tables (``introspection.table_names()``) whenever it migrates a schema: the
migration recorder asks whether ``django_migrations`` exists, ``migrate`` looks for apps without
migrations. Its query walks all of ``pg_class`` and calls ``pg_table_is_visible`` on each row,
so with thousands of organizations (a hundred relations each) every schema's migration reads
every other schema's catalog: applying one new migration to 2,000 schemas took 30 minutes.
Here the tables are the relations that depend on the schema in ``pg_depend`` (an index on the
referenced object), the way ``tenants/schemas.py`` describes the template: the same list as
Django's in the schema django-tenants points the introspection at (its search path is that
schema alone), at a cost set by that schema's size.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql.introspection import TableInfo
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.postgresql_backend.introspection import DatabaseSchemaIntrospection

TABLES_OF_SCHEMA = """
    SELECT c.relname,
           CASE WHEN c.relispartition THEN 'p' WHEN c.relkind IN ('m', 'v') THEN 'v' ELSE 't' END,
           obj_description(c.oid, 'pg_class')
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_class c ON c.oid = d.objid
    WHERE d.refclassid = 'pg_catalog.pg_namespace'::regclass
      AND d.refobjid = to_regnamespace(quote_ident(%s))
      AND d.refobjsubid = 0
      AND d.classid = 'pg_catalog.pg_class'::regclass
      AND d.deptype = 'n'
      AND c.relkind IN ('f', 'm', 'p', 'r', 'v')
"""


class SchemaIntrospection(DatabaseSchemaIntrospection):
    def get_table_list(self, cursor: Any) -> list[TableInfo]:
        """The tables and views of the connection's schema (Django's TableInfo rows)."""
        cursor.execute(TABLES_OF_SCHEMA, [self.connection.schema_name])
        return [TableInfo(*row) for row in cursor.fetchall() if row[0] not in self.ignored_tables]


class DatabaseWrapper(TenantDatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.introspection = SchemaIntrospection(self)
