"""The due-work index: which organizations have periodic work, and from when.

At thousands of organizations, most idle, beat must not send a task into every one of them
every 30 seconds. Each kind of periodic work keeps, per organization, the earliest time it is
due (``tenants.models.DueWork``, public schema); beat visits only organizations whose time has
come (``organizations_due``).

The rule that keeps it safe: **``due_at`` is never later than the real work**.

- Feature code calls ``due_work_mark(kind=..., at=...)`` in the same transaction as the tenant
  rows that make work due; it only ever moves ``due_at`` earlier.
- The task a visit runs ends with ``due_work_settle(kind=...)``: under the row's lock it asks
  the feature's registered ``next_due`` function (which reads the schema's own rows) and stores
  the exact time (or None). A mark that commits while a settle runs waits for the lock and then
  moves the time earlier again, so no mark is lost.
- A visit whose task never ran (broker flushed) leaves ``due_at`` in the past, so the next beat
  visits again: the database rows stay the truth.
- ``due_work_rebuild`` (nightly, and ``manage.py due_work_rebuild``) settles every kind of every
  organization from its own rows: the safety net for an entry lost or never written.

The platform knows no feature: features register their ``next_due`` functions
(``verification.apps``) and call this module with the current organization's connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet, TextChoices
from django.utils import timezone

from tenants.models import DueWork, Organization
from tenants.selectors import organization_list_ready


class Kind(TextChoices):
    ATTEMPTS = "attempts", "Verification attempts waiting for a step (the sweep)"
    REMINDERS = "reminders", "Reminder e-mails by the organization's schedule"
    RETENTION = "retention", "Personal data past the organization's retention"
    SNAPSHOT = "snapshot", "Today's dashboard snapshot to take or refresh"
    SESSIONS = "sessions", "Expired staff sessions to delete"
    IMPORTS = "imports", "Import previews nobody confirmed in time"


NextDue = Callable[[], datetime | None]

_next_due: dict[str, NextDue] = {}


def due_work_register(kind: Kind, next_due: NextDue) -> None:
    """Say how to compute, from the current schema's rows, when ``kind`` is next due."""
    _next_due[kind] = next_due


def _table() -> str:
    from django.conf import settings

    return f'"{settings.PUBLIC_SCHEMA_NAME}"."{DueWork._meta.db_table}"'


def _current_organization_id() -> int | None:
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Organization):
        return tenant.pk if tenant.is_customer else None
    schema = getattr(connection, "schema_name", None)
    if not schema:
        return None
    # schema_context() (scripts, tests) sets only the schema name.
    return (
        Organization.objects.filter(schema_name=schema, kind=Organization.Kind.CUSTOMER)
        .values_list("pk", flat=True)
        .first()
    )


def due_work_mark(*, kind: Kind, at: datetime) -> None:
    """Work of ``kind`` is due in the current organization from ``at``: move its due time to
    ``at`` if that is earlier. Call it in the transaction that writes the rows that make the
    work due. Does nothing outside a customer organization (public schema, template)."""
    organization_id = _current_organization_id()
    if organization_id is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table()} AS d (organization_id, kind, due_at) VALUES (%s, %s, %s) "  # noqa: S608 - our own table name
            "ON CONFLICT (organization_id, kind) DO UPDATE "
            "SET due_at = LEAST(COALESCE(d.due_at, EXCLUDED.due_at), EXCLUDED.due_at)",
            [organization_id, str(kind), at],
        )


def due_work_touch(*, kind: Kind) -> None:
    """Work of ``kind`` is due now, where being late costs nothing but freshness (the
    dashboard's snapshot): like ``due_work_mark(at=now)``, but writes (and locks the row) only
    when the index does not already say so, so busy transactions do not queue on it. A touch
    racing a settle can be lost; the next touch, or the kind's own schedule, catches up."""
    organization_id = _current_organization_id()
    if organization_id is None:
        return
    now = timezone.now()
    # Every audited step calls this: one plain indexed read (the unique key), without the
    # ORM's query building, which cost ten times the round trip here.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT due_at FROM {_table()} WHERE organization_id = %s AND kind = %s",  # noqa: S608 - our own table name
            [organization_id, str(kind)],
        )
        row = cursor.fetchone()
    due = row[0] if row else None
    if due is None or due > now:
        due_work_mark(kind=kind, at=now)


def due_work_settle(*, kind: Kind) -> datetime | None:
    """Store when ``kind`` is next due in the current organization, computed from its rows by
    the registered function; return it. Called at the end of the task a visit runs.

    The index row is locked before the rows are read: a mark committing meanwhile waits, then
    applies on top of the result (never overwritten by it)."""
    organization_id = _current_organization_id()
    if organization_id is None:
        return None
    next_due = _next_due[kind]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_table()} (organization_id, kind) VALUES (%s, %s) "  # noqa: S608
                "ON CONFLICT (organization_id, kind) DO NOTHING",
                [organization_id, str(kind)],
            )
            cursor.execute(
                f"SELECT id FROM {_table()} WHERE organization_id = %s AND kind = %s FOR UPDATE",  # noqa: S608
                [organization_id, str(kind)],
            )
        due = next_due()
        DueWork.objects.filter(organization_id=organization_id, kind=kind).update(
            due_at=due, settled_at=timezone.now()
        )
    return due


def organizations_due(*, kind: Kind, now: datetime | None = None) -> QuerySet[Organization]:
    """Ready organizations with work of ``kind`` due by ``now``: the ones beat visits."""
    now = now or timezone.now()
    return organization_list_ready().filter(due_work__kind=kind, due_work__due_at__lte=now)


def due_work_rebuild(*, organizations: Iterable[Organization] | None = None) -> int:
    """The safety net: settle every registered kind of every ready organization from its own
    rows (slow: one visit per organization, in this process). Returns organizations done."""
    done = 0
    for organization in organizations if organizations is not None else organization_list_ready():
        with organization:
            for kind in list(_next_due):
                due_work_settle(kind=Kind(kind))
        done += 1
    return done
