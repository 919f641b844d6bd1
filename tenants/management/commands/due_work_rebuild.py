"""Recompute every organization's due-work index from its own rows (the safety net).

Beat runs the same nightly (tenants.tasks.due_work_rebuild_task); run it by hand after
restoring the public schema from a backup, or whenever the index is in doubt. Idempotent.
"""

import time

from django.core.management.base import BaseCommand

from tenants.duework import due_work_rebuild


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        started = time.monotonic()
        done = due_work_rebuild()
        self.stdout.write(f"Due work rebuilt for {done} organizations in {time.monotonic() - started:.1f} s.")
