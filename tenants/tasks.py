"""Platform-level tasks: run in the public schema and fan out to organizations."""

from __future__ import annotations

from typing import Any

from celery import current_app, shared_task

from tenants.selectors import organization_list_ready
from tenants.services import login_handoff_purge


@shared_task(tenant_required=False)  # type: ignore[call-overload]
def for_each_organization(task_name: str, *args: Any) -> int:
    """Send ``task_name`` once into every ready organization; return how many were sent.

    Beat runs in no organization, so periodic jobs go through here: only organizations whose
    schema is complete are visited, never the template.
    """
    sent = 0
    for organization in organization_list_ready():
        with organization:  # the schema travels in the message headers from here
            current_app.send_task(task_name, args=list(args))
        sent += 1
    return sent


@shared_task(tenant_required=False)  # type: ignore[call-overload]
def login_handoffs_purge() -> int:
    """Delete the sign-up's sign-in tickets that expired over an hour ago; returns how many."""
    return login_handoff_purge()
