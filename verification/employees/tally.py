"""How many employees each (is_active, progress) group holds, from the tally the database keeps
(``models.EmployeeTally``, kept by the triggers of migration 0015), not from a scan of every
employee.

A group's count is the sum of its tally rows. Writers only ever add rows, so the rows pile
up between two foldings; whoever reads more than ``FOLD_AT`` of them folds them into one row
per group (``employee_tally_fold``), which a few hundred rows later makes the next read one
row per group again.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, Sum

from verification.models import EmployeeTally

#: Rows past which a read folds the tally (reading them costs well under a millisecond).
FOLD_AT = 500


def employee_tally() -> dict[tuple[bool, str], int]:
    """Employees per (is_active, progress), exact, the empty groups left out. One query on
    the tally (and, once in a while, its folding)."""
    rows = (
        EmployeeTally.objects.order_by()
        .values_list("is_active", "progress")
        .annotate(count=Sum("n"), pieces=Count("*"))
    )
    groups: dict[tuple[bool, str], int] = {}
    pieces = 0
    for active, progress, count, parts in rows:
        pieces += parts
        if count:
            groups[(active, progress)] = count
    if pieces > FOLD_AT:
        employee_tally_fold()
    return groups


def employee_tally_fold() -> None:
    """Replace the tally's rows by one per group, with the same sums.

    One statement: it deletes the rows it can see and inserts their sums. A writer's rows
    not yet committed are not seen, so they stay, and count once they are; two foldings at
    once each fold what the other did not delete first (the second waits for the first's
    rows and finds them gone), so every sum stays what it was.
    """
    table = connection.ops.quote_name(EmployeeTally._meta.db_table)
    # The table name from the model, quoted; nothing here comes from a request.
    sql = f"""
        WITH folded AS (DELETE FROM {table} RETURNING is_active, progress, n)
        INSERT INTO {table} (is_active, progress, n)
        SELECT is_active, progress, sum(n) FROM folded GROUP BY 1, 2 HAVING sum(n) <> 0
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
