"""Platform-level tasks: run in the public schema and fan out to organizations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from celery import current_app, shared_task

from tenants.duework import Kind, due_work_rebuild, organizations_due
from tenants.models import Organization
from tenants.selectors import organization_list_ready
from tenants.services import login_handoff_purge


def _send_into(organizations: Iterable[Organization], task_name: str, args: tuple[Any, ...]) -> int:
    sent = 0
    for organization in organizations:
        with organization:  # the schema travels in the message headers from here
            current_app.send_task(task_name, args=list(args))
        sent += 1
    return sent


@shared_task(tenant_required=False)  # type: ignore[call-overload]
def for_each_organization(task_name: str, *args: Any) -> int:
    """Send ``task_name`` once into every ready organization; return how many were sent.

    For work every organization has whether or not anything happened in it; periodic jobs
    that follow the work go through ``for_each_due_organization``. Only organizations whose
    schema is complete are visited, never the template.
    """
    return _send_into(organization_list_ready().iterator(), task_name, args)


@shared_task(tenant_required=False)  # type: ignore[call-overload]
def for_each_due_organization(kind: str, task_name: str, *args: Any) -> int:
    """Send ``task_name`` into every ready organization whose work of ``kind`` is due (the
    due-work index, tenants.duework); return how many were sent. Idle organizations get
    nothing. The task ends by settling the index, so one whose message was lost is visited
    again on the next run."""
    return _send_into(organizations_due(kind=Kind(kind)).iterator(), task_name, args)


@shared_task(tenant_required=False)  # type: ignore[call-overload]
def due_work_rebuild_task() -> int:
    """The nightly safety net: recompute every organization's due work from its own rows."""
    return due_work_rebuild()


@shared_task(tenant_required=False)  # type: ignore[call-overload]
def login_handoffs_purge() -> int:
    """Delete the sign-up's sign-in tickets that expired over an hour ago; returns how many."""
    return login_handoff_purge()
