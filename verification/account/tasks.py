"""Celery task of staff sessions."""

from __future__ import annotations

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_settle
from verification.queue import Task


@shared_task(name=Task.SESSIONS_CLEAR_EXPIRED)
def sessions_clear_expired() -> int:
    """Delete this organization's expired sessions; return how many went (beat, every 6 h)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    due_work_settle(kind=DueKind.SESSIONS)
    return deleted
