"""Reads of the staff pages: teammates, pending team invitations, the audit log."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db.models import Min, QuerySet
from django.http import Http404
from django.utils import timezone

from verification.account.forms import AuditFilterForm
from verification.crypto import token_digest
from verification.models import AuditEvent, Employee, StaffInvitation


def sessions_next_due() -> datetime | None:
    """When this organization's next staff session expires (None: there is none)."""
    return Session.objects.aggregate(first=Min("expire_date"))["first"]


def staff_members() -> QuerySet[User]:
    """Every member of the organization's staff, the active ones first, by name."""
    return User.objects.prefetch_related("groups").order_by("-is_active", "first_name", "username")


def access_staff_user(user_id: int) -> User:
    """A staff user of this organization, or 404 (this schema cannot see other organizations)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    return user


def access_staff_invitation(token: str) -> StaffInvitation:
    """The invitation behind a join link, in this organization; Http404 otherwise (a missing,
    tampered or another organization's token alike). It may no longer be usable: see
    ``StaffInvitation.is_pending``."""
    if not token or len(token) > 100:
        raise Http404
    invitation = StaffInvitation.objects.filter(token_hash=token_digest(token)).first()
    if invitation is None:
        raise Http404
    return invitation


def access_pending_staff_invitation(invitation_id: int) -> StaffInvitation:
    """A pending invitation of this organization by id (the team page's actions), or Http404."""
    invitation = StaffInvitation.objects.filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        raise Http404
    return invitation


def staff_invitations_pending() -> list[StaffInvitation]:
    """Invitations still waiting to be accepted, newest first."""
    return list(
        StaffInvitation.objects.select_related("invited_by")
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
    )


def audit_events(form: AuditFilterForm) -> QuerySet[AuditEvent]:
    """Audit events matching the filters, newest first."""
    events_qs = AuditEvent.objects.all()
    if not form.is_valid():
        return events_qs.none()
    data = form.cleaned_data
    if data["actor"]:
        events_qs = events_qs.filter(actor_label__icontains=data["actor"])
    if data["action"]:
        events_qs = events_qs.filter(action=data["action"])
    if data["employee"]:
        ids = list(Employee.objects.filter(code=data["employee"].strip()).values_list("pk", flat=True))
        events_qs = events_qs.filter(employee_id__in=ids)
    tz = timezone.get_current_timezone()
    if data["since"]:
        events_qs = events_qs.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=tz))
    if data["until"]:
        events_qs = events_qs.filter(at__lte=datetime.combine(data["until"], time.max, tzinfo=tz))
    return events_qs.order_by("-at", "-id")


def employee_names(ids: set[int]) -> dict[int, str]:
    """The names of the employees ``ids`` that still exist (one query)."""
    from verification.models import Employee

    return dict(Employee.objects.filter(pk__in=ids).values_list("pk", "full_name")) if ids else {}
