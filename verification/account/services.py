"""The staff team: invitations of teammates, joining, roles, deactivation, password reset e-mails."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_mark
from tenants.members import Role, group_name, member_create, member_exists, member_set_active
from tenants.selectors import organization_current, organization_site_url
from verification import events
from verification.account.forms import SettingsForm
from verification.account.selectors import access_staff_invitation
from verification.crypto import link_token_new, token_digest
from verification.events import Actor
from verification.mail import mail_send
from verification.models import StaffInvitation

STAFF_INVITE_MAX_AGE_S = 7 * 24 * 3600


class StaffChangeRefused(Exception):
    """The change would leave the organization without an active Owner, or is not allowed."""


class StaffInvitationUnusable(Exception):
    """The invitation was accepted, revoked or has expired."""


def staff_invitation_link(token: str) -> str:
    """The join link of ``token`` on the current organization's own domain (from settings,
    never from a request's Host)."""
    organization = organization_current()
    if organization is None:
        raise RuntimeError("staff_invitation_link() needs an organization's schema")
    return organization_site_url(organization, reverse("account:join", args=[token]))


def staff_invite(*, email: str, role: Role, actor: User) -> StaffInvitation:
    """Invite ``email`` to join with ``role``: a new link, valid 7 days, e-mailed now.

    An earlier pending invitation of the same address is revoked (one live link per person).
    Audited as ``staff.invited``.
    """
    email = email.strip().lower()
    token = link_token_new()
    now = timezone.now()
    with transaction.atomic():
        StaffInvitation.objects.filter(email=email, accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=now
        )
        invitation = StaffInvitation.objects.create(
            email=email,
            role=Role(role).value,
            token_hash=token_digest(token),
            invited_by=actor,
            expires_at=now + timedelta(seconds=STAFF_INVITE_MAX_AGE_S),
        )
        events.staff_invited(actor=actor, email=email, role=invitation.role, invitation_id=invitation.pk)
    mail_send(
        to=email,
        name="staff_invite",
        context={
            "organization": organization_current(),
            "inviter": actor,
            "role": Role(role),
            "link": staff_invitation_link(token),
        },
    )
    return invitation


def staff_invitation_resend(*, invitation: StaffInvitation, actor: User) -> StaffInvitation:
    """Send a pending invitation again: a new link (the old one stops working) and 7 new days."""
    return staff_invite(email=invitation.email, role=Role(invitation.role), actor=actor)


def staff_invitation_revoke(*, invitation: StaffInvitation, actor: Actor) -> bool:
    """Revoke a pending invitation: its link stops working at once. False if it was no longer
    pending (accepted, revoked or expired meanwhile). Audited as ``staff.invitation_revoked``."""
    with transaction.atomic():
        invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_pending:
            return False
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        events.staff_invitation_revoked(invitation, actor=actor)
    return True


def staff_join(*, token: str, full_name: str, password: str) -> User:
    """Create the invited teammate's account, once: the invitation is then accepted and its
    link stops working. StaffInvitationUnusable if it is accepted, revoked or expired, or
    the address already has an account."""
    with transaction.atomic():
        invitation = StaffInvitation.objects.select_for_update().get(pk=access_staff_invitation(token).pk)
        if not invitation.is_pending or member_exists(invitation.email):
            raise StaffInvitationUnusable
        user = member_create(
            email=invitation.email, full_name=full_name, password=password, role=invitation.role
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        events.staff_joined(user, role=invitation.role, invitation_id=invitation.pk)
    return user


def staff_password_reset_send(*, email: str) -> list[User]:
    """E-mail each active staff user of this organization whose address is ``email`` (any
    case) a one-use link to choose a new password, on the organization's own domain (from
    settings, never from a request's Host). Returns who was e-mailed: nobody for an unknown
    address, and the caller must not tell the difference to the person asking."""
    organization = organization_current()
    if organization is None:
        raise RuntimeError("staff_password_reset_send() needs an organization's schema")
    users = [
        u
        for u in User.objects.filter(email__iexact=email.strip(), is_active=True)
        if u.has_usable_password() and u.email.casefold() == email.strip().casefold()
    ]
    for user in users:
        path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        mail_send(
            to=user.email,
            name="password_reset",
            context={
                "organization": organization,
                "user": user,
                "link": organization_site_url(organization, path),
            },
        )
    return users


def _active_owners() -> int:
    return User.objects.filter(is_active=True, groups__name=group_name(Role.OWNER)).count()


def staff_role_change(*, user: User, role: Role, actor: Actor) -> None:
    with transaction.atomic():
        is_owner = user.groups.filter(name=group_name(Role.OWNER)).exists()
        if is_owner and role != Role.OWNER and _active_owners() <= 1:
            raise StaffChangeRefused("last owner")
        user.groups.remove(*Group.objects.filter(name__startswith="role:"))
        user.groups.add(Group.objects.get(name=group_name(role)))
        events.staff_role_changed(user, actor=actor, role=Role(role).value)


def _end_sessions(user: User) -> int:
    ended = [s.pk for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)]
    # Through the session engine: the row and its copy in the cache.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session_key in ended:
        store(session_key=session_key).delete()
    return len(ended)


def staff_deactivate(*, user: User, actor: Actor) -> int:
    """Deactivate a teammate and end their sessions at once; returns sessions ended."""
    with transaction.atomic():
        is_owner = user.groups.filter(name=group_name(Role.OWNER)).exists()
        if is_owner and _active_owners() <= 1:
            raise StaffChangeRefused("last owner")
        member_set_active(user, active=False)
        ended = _end_sessions(user)
        events.staff_deactivated(user, actor=actor, sessions_ended=ended)
    return ended


def staff_reactivate(*, user: User, actor: Actor) -> None:
    member_set_active(user, active=True)
    events.staff_reactivated(user, actor=actor)


# Settings that change when periodic work falls due (tenants.duework): visit once, recompute.
_SCHEDULE_FIELDS = {"reminder_days": DueKind.REMINDERS, "retention_days": DueKind.RETENTION}


def organization_settings_save(*, form: SettingsForm, actor: Actor) -> None:
    """Save the organization's settings (a valid ``SettingsForm``) and record what changed.

    A new reminder schedule or retention period changes when that work is due: the next run
    visits this organization and recomputes it."""
    changed = sorted(form.changed_data)
    with transaction.atomic():
        form.save()
        for field in changed:
            if field in _SCHEDULE_FIELDS:
                due_work_mark(kind=_SCHEDULE_FIELDS[field], at=timezone.now())
        events.organization_settings_changed(actor=actor, fields=changed)
