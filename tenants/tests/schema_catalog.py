"""What a schema holds, described from pg_catalog with the schema's own name taken out, so that
two schemas can be compared (the template and a clone of it)."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection

_QUERIES = {
    "tables": """
        SELECT c.relname, c.relpersistence, c.reloptions, obj_description(c.oid, 'pg_class'),
               pg_get_userbyid(c.relowner), c.relacl::text, c.relrowsecurity
          FROM pg_class c WHERE c.relnamespace = %(ns)s AND c.relkind = 'r' ORDER BY 1""",
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, a.attcollation,
               a.attstorage, a.attcompression, col_description(c.oid, a.attnum)
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE c.relnamespace = %(ns)s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY c.relname, a.attnum""",
    "constraints": """
        SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.condeferrable,
               k.condeferred, k.convalidated
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
         WHERE k.connamespace = %(ns)s ORDER BY 1, 2""",
    "indexes": """
        SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid), x.indisunique, x.indisprimary
          FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         WHERE t.relnamespace = %(ns)s ORDER BY 1, 2""",
    "sequences": """
        SELECT c.relname, s.seqtypid::regtype::text, s.seqstart, s.seqincrement, s.seqmax, s.seqmin,
               s.seqcache, s.seqcycle, pg_get_userbyid(c.relowner)
          FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
         WHERE c.relnamespace = %(ns)s ORDER BY 1""",
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = %(ns)s AND NOT t.tgisinternal ORDER BY 1, 2""",
    "functions": """
        SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p
         WHERE p.pronamespace = %(ns)s ORDER BY 1""",
    "relations": """
        SELECT c.relkind, count(*) FROM pg_class c WHERE c.relnamespace = %(ns)s GROUP BY 1 ORDER BY 1""",
    "types": """
        SELECT t.typname, t.typtype FROM pg_type t WHERE t.typnamespace = %(ns)s ORDER BY 1""",
    "internal_triggers": """
        SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = %(ns)s AND t.tgisinternal GROUP BY 1 ORDER BY 1""",
}


def schema_describe(schema: str) -> dict[str, Any]:
    """Everything the comparison looks at, ``schema``'s name replaced by ``S``."""
    qualified = re.compile(rf'(?<![\w"$])"?{re.escape(schema)}"?\.')
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path')")
        search_path = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('search_path', '', false)")
        try:
            cursor.execute("SELECT %s::regnamespace::oid", [schema])
            ns = {"ns": cursor.fetchone()[0]}
            described: dict[str, Any] = {}
            for key, sql in _QUERIES.items():
                cursor.execute(sql, ns)
                described[key] = [
                    tuple(qualified.sub("S.", v) if isinstance(v, str) else v for v in row)
                    for row in cursor.fetchall()
                ]
            rows = {}
            for table, *_rest in described["tables"]:
                cursor.execute(
                    f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "  # noqa: S608
                    f'FROM "{schema}"."{table}" t'
                )
                rows[table] = cursor.fetchone()
            described["rows"] = rows
            positions = {}
            for sequence, *_rest in described["sequences"]:
                cursor.execute(f'SELECT last_value, is_called FROM "{schema}"."{sequence}"')  # noqa: S608
                positions[sequence] = cursor.fetchone()
            described["sequence_positions"] = positions
        finally:
            cursor.execute("SELECT set_config('search_path', %s, false)", [search_path])
    return described
