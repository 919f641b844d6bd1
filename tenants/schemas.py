"""Low-level schema operations behind provisioning: clone the template, check migrations.

django-tenants clones the template and then runs a faked ``migrate_schemas`` to record the
migrations. The clone already carries the template's ``django_migrations`` rows, so that step
only costs time, and when the template is behind the code it is harmful: it records
migrations as applied that never ran. Here the clone is checked instead, and a template that
is behind stops provisioning with a message.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_exists

# --- the clone --------------------------------------------------------------------------------
#
# django-tenants clones with its PL/pgSQL ``clone_schema``, which asks ``information_schema``
# and ``pg_indexes`` about the template object by object. Those views span every schema, so a
# clone's cost grew with the number of organizations: about 1 s at 100 organizations, 5 s at
# 300, and on. Here the template is described once per process from
# ``pg_catalog`` (what depends on its namespace, then by oid: never a catalog-wide scan) as a script
# of DDL, and each clone replays that script in one round trip: its cost depends on the
# template, not on how many schemas the database holds.
#
# What the script covers is what the template holds (tables with their columns, defaults,
# identity columns and sequence positions, check constraints, primary/unique/exclusion and
# foreign keys, indexes, comments, functions, triggers, rows). Anything else found in the
# template (a view, a type, a grant, a policy, a rule, a serial column, ...) stops the clone
# with a message naming it, rather than cloning it wrong.


@dataclass(frozen=True)
class Blueprint:
    """The template as DDL: statements naming the template, replayed for each clone."""

    template: str
    printed: str  # the template's name as the catalog prints it in a qualified name
    migrations: tuple[int, int]  # count and newest id of the template's django_migrations
    statements: tuple[str, ...]

    def script_for(self, schema_name: str) -> str:
        source, target = _quote(self.template), _quote(schema_name)
        qualified = re.compile(rf'(?<![\w"$]){re.escape(self.printed)}\.')
        return ";\n".join(
            qualified.sub(lambda _: f"{target}.", statement)
            .replace("{source}", source)
            .replace("{target}", target)
            for statement in (f"CREATE SCHEMA {target}", *self.statements)
        )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    """A SQL string literal (standard_conforming_strings, PostgreSQL's default since 9.1)."""
    return "'" + value.replace("'", "''") + "'"


# The template's own objects, through the index on what depends on its namespace: every
# relation, sequence, function or type made in it has a row there (indexes and a table's row
# type depend on their table instead). pg_class itself has no index on the namespace: filtering
# it by relnamespace reads every relation of every schema, hundreds of thousands at thousands of
# organizations.
_MEMBERS = """
SELECT d.classid::regclass::text, array_agg(d.objid ORDER BY d.objid)
  FROM pg_depend d
 WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = %(ns)s AND d.deptype = 'n'
 GROUP BY 1
"""

_UNSUPPORTED = """
SELECT 'relation ' || c.relname || ' (relkind ' || c.relkind::text || ')'
  FROM pg_class c
 WHERE c.oid = ANY(%(rels)s) AND c.relkind NOT IN ('r', 'S')
UNION ALL
SELECT 'sequence ' || c.relname || ', not an identity column''s'
  FROM pg_class c
 WHERE c.oid = ANY(%(rels)s) AND c.relkind = 'S'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i')
UNION ALL
SELECT 'privileges granted on ' || c.relname
  FROM pg_class c WHERE c.oid = ANY(%(rels)s) AND c.relacl IS NOT NULL
UNION ALL
SELECT 'row security or a policy on ' || c.relname
  FROM pg_class c WHERE c.oid = ANY(%(tables)s)
   AND (c.relrowsecurity OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
UNION ALL
SELECT 'a rule on ' || c.relname
  FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE r.ev_class = ANY(%(rels)s)
UNION ALL
SELECT 'a serial default on ' || c.relname || '.' || a.attname
  FROM pg_attrdef d
  JOIN pg_class c ON c.oid = d.adrelid
  JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
 WHERE d.adrelid = ANY(%(tables)s) AND pg_get_expr(d.adbin, d.adrelid) ~ 'nextval[(]'
UNION ALL
SELECT 'a disabled trigger ' || t.tgname || ' on ' || c.relname
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE t.tgrelid = ANY(%(tables)s) AND NOT t.tgisinternal AND t.tgenabled <> 'O'
UNION ALL
SELECT 'a constraint trigger ' || conname
  FROM pg_constraint WHERE conrelid = ANY(%(tables)s) AND contype = 't'
UNION ALL
SELECT 'routine ' || p.proname || ' (kind ' || p.prokind::text || ')'
  FROM pg_proc p WHERE p.oid = ANY(%(procs)s) AND p.prokind <> 'f'
UNION ALL
SELECT 'a comment on ' || c.relname || ' (not a table or a column)'
  FROM pg_description x JOIN pg_class c ON c.oid = x.objoid
 WHERE x.classoid = 'pg_class'::regclass
   AND (x.objoid = ANY(%(sequences)s)
        OR x.objoid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ANY(%(tables)s)))
UNION ALL
SELECT 'a comment on constraint ' || k.conname
  FROM pg_description x JOIN pg_constraint k ON k.oid = x.objoid AND x.classoid = 'pg_constraint'::regclass
 WHERE k.conrelid = ANY(%(tables)s)
UNION ALL
SELECT 'a comment on trigger ' || t.tgname
  FROM pg_description x JOIN pg_trigger t ON t.oid = x.objoid AND x.classoid = 'pg_trigger'::regclass
 WHERE t.tgrelid = ANY(%(tables)s)
UNION ALL
SELECT 'a comment on function ' || p.proname
  FROM pg_description x JOIN pg_proc p ON p.oid = x.objoid AND x.classoid = 'pg_proc'::regclass
 WHERE p.oid = ANY(%(procs)s)
UNION ALL
SELECT pg_describe_object(d.classid, d.objid, 0)
  FROM pg_depend d
 WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = %(ns)s AND d.deptype = 'n'
   AND d.classid NOT IN ('pg_class'::regclass, 'pg_proc'::regclass)
UNION ALL
SELECT 'a comment on the schema' FROM pg_description
 WHERE classoid = 'pg_namespace'::regclass AND objoid = %(ns)s
"""

_TABLES = """
SELECT c.oid, c.relname, c.relpersistence, c.reloptions,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
          FROM pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '')
       AS columns,
       obj_description(c.oid, 'pg_class') AS comment
  FROM pg_class c
 WHERE c.oid = ANY(%(tables)s)
 ORDER BY c.relname
"""

# CREATE TABLE ... LIKE ... INCLUDING IDENTITY would name the sequences itself and make them all
# bigint; each identity is added back with its own sequence's name and options instead (its type
# follows the column's, as the template's did).
_IDENTITIES = """
SELECT t.relname, a.attname, a.attidentity, s.relname, q.seqstart,
       q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle
  FROM pg_depend d
  JOIN pg_class s ON s.oid = d.objid
  JOIN pg_sequence q ON q.seqrelid = s.oid
  JOIN pg_class t ON t.oid = d.refobjid
  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
   AND d.deptype = 'i' AND d.objid = ANY(%(sequences)s)
 ORDER BY t.relname, a.attname
"""

# Indexes that no constraint owns (those come with their constraint).
_INDEXES = """
SELECT pg_get_indexdef(x.indexrelid)
  FROM pg_index x
 WHERE x.indrelid = ANY(%(tables)s)
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                    WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid
                      AND k.contype IN ('p', 'u', 'x'))
 ORDER BY x.indrelid, x.indexrelid
"""

# Check (and, from PostgreSQL 18, not-null) constraints come with CREATE TABLE ... LIKE.
_CONSTRAINTS = """
SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
 WHERE k.conrelid = ANY(%(tables)s) AND k.contype IN ('p', 'u', 'x', 'f')
 ORDER BY k.contype = 'f', c.relname, k.conname
"""

_FUNCTIONS = "SELECT pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.oid = ANY(%(procs)s) ORDER BY p.oid"

_TRIGGERS = """
SELECT pg_get_triggerdef(t.oid)
  FROM pg_trigger t
 WHERE t.tgrelid = ANY(%(tables)s) AND NOT t.tgisinternal
 ORDER BY t.tgrelid, t.tgname
"""

_LIKE = (
    "INCLUDING COMMENTS INCLUDING COMPRESSION INCLUDING CONSTRAINTS INCLUDING DEFAULTS "
    "INCLUDING GENERATED INCLUDING STATISTICS INCLUDING STORAGE"
)


def _migration_state(cursor, template: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    cursor.execute(f"SELECT count(*), coalesce(max(id), 0) FROM {_quote(template)}.django_migrations")  # noqa: S608
    count, newest = cursor.fetchone()
    return int(count), int(newest)


def _describe(cursor, template: str) -> tuple[str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    """How the catalog prints ``template``, and the DDL that rebuilds it in ``{target}``. Run
    with an empty search_path, so that every name the catalog prints is schema-qualified."""
    cursor.execute("SELECT %s::regnamespace::oid, quote_ident(%s)", [_quote(template), template])
    oid, printed = cursor.fetchone()
    cursor.execute(_MEMBERS, {"ns": oid})
    members: dict[str, list[int]] = dict(cursor.fetchall())
    rels = members.pop("pg_class", [])
    cursor.execute(
        "SELECT coalesce(array_agg(oid ORDER BY oid) FILTER (WHERE relkind = 'r'), '{}'), "
        "coalesce(array_agg(oid ORDER BY oid) FILTER (WHERE relkind = 'S'), '{}') "
        "FROM pg_class WHERE oid = ANY(%s)",
        [rels],
    )
    tables, sequences = cursor.fetchone()
    ns = {
        "ns": oid,
        "rels": rels,
        "tables": tables,
        "sequences": sequences,
        "procs": members.pop("pg_proc", []),
    }
    cursor.execute(_UNSUPPORTED, ns)
    unsupported = [row[0] for row in cursor.fetchall()]
    if unsupported:
        raise ImproperlyConfigured(
            f"The template schema {template!r} holds what tenants/schemas.py does not clone: "
            f"{'; '.join(unsupported)}. Teach Blueprint to copy it (and its test to compare it)."
        )
    cursor.execute(_TABLES, ns)
    rows = cursor.fetchall()
    statements: list[str] = []
    for _oid, name, persistence, options, _columns, comment in rows:
        unlogged = "UNLOGGED " if persistence == "u" else ""
        with_options = f" WITH ({', '.join(options)})" if options else ""
        statements.append(
            f"CREATE {unlogged}TABLE {{target}}.{_quote(name)} "
            f"(LIKE {{source}}.{_quote(name)} {_LIKE}){with_options}"
        )
        if comment is not None:
            statements.append(f"COMMENT ON TABLE {{target}}.{_quote(name)} IS {_literal(comment)}")
    for _oid, name, _persistence, _options, columns, _comment in rows:
        if columns:
            statements.append(
                f"INSERT INTO {{target}}.{_quote(name)} ({columns}) OVERRIDING SYSTEM VALUE "  # noqa: S608
                f"SELECT {columns} FROM {{source}}.{_quote(name)}"  # catalog names, quoted
            )
    cursor.execute(_IDENTITIES, ns)
    for table, column, kind, sequence, start, increment, low, high, cache, cycle in cursor.fetchall():
        generated = "ALWAYS" if kind == "a" else "BY DEFAULT"
        statements.append(
            f"ALTER TABLE {{target}}.{_quote(table)} ALTER COLUMN {_quote(column)} ADD GENERATED "
            f"{generated} AS IDENTITY (SEQUENCE NAME {{target}}.{_quote(sequence)} "
            f"START WITH {start} INCREMENT BY {increment} MINVALUE {low} MAXVALUE {high} "
            f"CACHE {cache} {'' if cycle else 'NO '}CYCLE)"
        )
        statements.append(
            f"SELECT setval('{{target}}.{_quote(sequence)}', s.last_value, s.is_called) "  # noqa: S608
            f"FROM {{source}}.{_quote(sequence)} s"  # catalog names, quoted
        )
    cursor.execute(_INDEXES, ns)
    statements.extend(row[0] for row in cursor.fetchall())
    cursor.execute(_CONSTRAINTS, ns)
    statements.extend(
        f"ALTER TABLE {{target}}.{_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}"
        for table, name, definition in cursor.fetchall()
    )
    cursor.execute(_FUNCTIONS, ns)
    statements.extend(row[0] for row in cursor.fetchall())
    cursor.execute(_TRIGGERS, ns)
    statements.extend(row[0] for row in cursor.fetchall())
    return printed, tuple(statements)


_blueprint_lock = threading.Lock()
_blueprints: dict[str, Blueprint] = {}


def blueprint(template: str) -> Blueprint:
    """The template's Blueprint, described again only when its migrations changed."""
    with connection.cursor() as cursor:
        state = _migration_state(cursor, template)
        with _blueprint_lock:
            known = _blueprints.get(template)
            if known is not None and known.migrations == state:
                return known
            cursor.execute("SELECT current_setting('search_path')")
            search_path = cursor.fetchone()[0]
            with transaction.atomic():
                # Local to the transaction: an error rolls it back; success sets it back here.
                cursor.execute("SELECT set_config('search_path', '', true)")
                printed, statements = _describe(cursor, template)
                cursor.execute("SELECT set_config('search_path', %s, true)", [search_path])
            _blueprints[template] = Blueprint(
                template=template, printed=printed, migrations=state, statements=statements
            )
            return _blueprints[template]


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
    script = blueprint(template).script_for(schema_name)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(script)
