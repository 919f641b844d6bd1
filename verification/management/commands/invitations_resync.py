"""``manage.py all_tenants_command invitations_resync``: each employee's row says again what their
newest invitation says (channel, when it went out), in the current organization's schema.

Migration 0016 did this once; run it after rolling out that release, for what the previous
release's processes invited and sent during the deploy without keeping the row. Only rows
that differ are written; running it again changes nothing.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

#: The migration's own statement (a migration's text never changes once released).
BACKFILL: str = importlib.import_module("verification.migrations.0016_employee_newest_invitation").BACKFILL


class Command(BaseCommand):
    help = "Make each employee's row show their newest invitation's channel and sending again."

    def handle(self, *args: Any, **options: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute(BACKFILL)
            fixed = cursor.rowcount
        rows = "1 employee's row" if fixed == 1 else f"{fixed} employees' rows"
        self.stdout.write(f"{connection.schema_name}: {rows} brought in line")  # type: ignore[attr-defined]
