"""Celery task of the employee's link: the one-time view code e-mail."""

from __future__ import annotations

from celery import shared_task

from verification.consent.access import view_code_send
from verification.queue import Task


@shared_task(name=Task.VIEW_CODE_SEND)
def view_code_send_task(view_code_id: int) -> None:
    """E-mail a view code (the task carries its id; the code is read, then forgotten)."""
    view_code_send(view_code_id=view_code_id)
