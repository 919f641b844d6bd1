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

# django-tenants' clone_schema asks "does this name hold a capital letter?" (so it is quoted)
# by scanning information_schema.tables / .columns across EVERY schema: once per table and
# once per column. With thousands of organizations that is most of the clone, and sign-up
# grew from ~1 s to ~5 s per organization between 100 and 300 organizations. The answer
# depends only on the name, so it is asked of the name. Each replaced text must be found:
# a django-tenants upgrade that changes them fails here, not silently.
_TABLE_CASE_SCAN = (
    "SELECT count(*) INTO v_cnt1 FROM information_schema.tables t WHERE EXISTS "
    "(SELECT REGEXP_MATCHES(s.table_name, '([A-Z]+)','g') FROM information_schema.tables s\n"
    "      WHERE t.table_schema=s.table_schema AND t.table_name=s.table_name AND "
    "t.table_schema = in_schema AND t.table_name = in_table AND t.table_type = 'BASE TABLE');"
)
_COLUMN_CASE_SCAN = (
    "SELECT COUNT(*) INTO v_cnt1 FROM information_schema.columns t WHERE EXISTS "
    "(SELECT REGEXP_MATCHES(s.column_name, '([A-Z]+)','g') FROM information_schema.columns s\n"
    "         WHERE t.table_schema=s.table_schema and t.table_name=s.table_name and "
    "t.column_name=s.column_name AND t.table_schema = quote_ident(in_schema) AND "
    "column_name = v_colrec.column_name);"
)
# After CREATE TABLE ... LIKE, each table's new index names are set back to the template's
# by joining pg_indexes with itself, a view over every index of every schema (about half of
# a clone at 300 organizations). The same pairs, from the two tables' own indexes.
_INDEX_RENAME_SCAN = """      SELECT old.indexname, new.indexname
      FROM pg_indexes old, pg_indexes new
      WHERE old.schemaname = source_schema
        AND new.schemaname = dest_schema
        AND old.tablename = new.tablename
        AND old.tablename = tblname
        AND old.indexname <> new.indexname
        AND regexp_replace(old.indexdef, E'.*USING','') = regexp_replace(new.indexdef, E'.*USING','')
        ORDER BY old.indexdef, new.indexdef
"""
_INDEX_RENAME_OWN = """      SELECT old.indexname, new.indexname
      FROM (SELECT i.relname AS indexname, pg_get_indexdef(i.oid) AS indexdef
              FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
             WHERE x.indrelid = (quote_ident(source_schema) || '.' || quote_ident(tblname))::regclass) old,
           (SELECT i.relname AS indexname, pg_get_indexdef(i.oid) AS indexdef
              FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
             WHERE x.indrelid = (quote_ident(dest_schema) || '.' || quote_ident(tblname))::regclass) new
      WHERE old.indexname <> new.indexname
        AND regexp_replace(old.indexdef, E'.*USING','') = regexp_replace(new.indexdef, E'.*USING','')
        ORDER BY old.indexdef, new.indexdef
"""
_CLONE_FIXES = (
    (_INDEX_RENAME_SCAN, _INDEX_RENAME_OWN, 2),
    (_TABLE_CASE_SCAN, "SELECT CASE WHEN in_table ~ '[A-Z]' THEN 1 ELSE 0 END INTO v_cnt1;", 1),
    (
        _TABLE_CASE_SCAN.replace("\n      ", "\n\t\t  "),
        "SELECT CASE WHEN in_table ~ '[A-Z]' THEN 1 ELSE 0 END INTO v_cnt1;",
        1,
    ),
    (_COLUMN_CASE_SCAN, "SELECT CASE WHEN v_colrec.column_name ~ '[A-Z]' THEN 1 ELSE 0 END INTO v_cnt1;", 1),
)


def clone_function_sql() -> str:
    """django-tenants' ``clone_schema`` function, with its catalog-wide scans asked of the name."""
    sql = CLONE_SCHEMA_FUNCTION
    for old, new, count in _CLONE_FIXES:
        found = sql.count(old)
        if found != count:
            raise ImproperlyConfigured(
                f"django-tenants' clone_schema changed ({found} copies of a text tenants/schemas.py "
                f"replaces, expected {count}): review _CLONE_FIXES against the new version."
            )
        sql = sql.replace(old, new)
    return sql


def clone_function_install() -> None:
    """(Re)install the ``clone_schema`` SQL function (``clone_function_sql``). Deploys run this."""
    owner = settings.DATABASES["default"].get("USER") or "postgres"
    with connection.cursor() as cursor:
        cursor.execute(clone_function_sql().format(db_user=owner))


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
