"""Staff users of an organization: creation, invitations, roles, deactivation."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string

from verification import events
from verification.events import Actor
from verification.roles import Role, group_name

STAFF_INVITE_MAX_AGE_S = 7 * 24 * 3600


class StaffChangeRefused(Exception):
    """The change would leave the organization without an active Owner, or is not allowed."""


def staff_user_create(*, email: str, full_name: str, password: str, role: Role | str) -> User:
    """Create a staff user of the current organization, signing in by e-mail, with one role."""
    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.create_user(
            username=email, email=email, password=password, first_name=full_name.strip()[:150]
        )
        user.groups.add(Group.objects.get(name=group_name(role)))
    return user


# --- invitations of teammates --------------------------------------------------------------


def _signer() -> signing.TimestampSigner:
    # Bound to this organization's schema: a link made for one organization means nothing in another.
    return signing.TimestampSigner(salt=f"tika.staff-invite.{connection.schema_name}")  # type: ignore[attr-defined]


def staff_invite_token(*, email: str, role: Role) -> str:
    return _signer().sign_object({"email": email.strip().lower(), "role": Role(role).value})


def staff_invite_read(token: str) -> tuple[str, Role]:
    """(email, role) of a valid, unexpired invitation; signing.BadSignature otherwise."""
    data = _signer().unsign_object(token, max_age=STAFF_INVITE_MAX_AGE_S)
    return data["email"], Role(data["role"])


def staff_invite_send(*, email: str, role: Role, actor: User, join_url: str) -> None:
    """E-mail a teammate a signed link (valid 7 days) to join with ``role``."""
    from tenants.selectors import organization_current

    context = {"organization": organization_current(), "inviter": actor, "role": Role(role), "link": join_url}
    subject = render_to_string("emails/staff_invite_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject, render_to_string("emails/staff_invite.txt", context), settings.DEFAULT_FROM_EMAIL, [email]
    )
    message.attach_alternative(render_to_string("emails/staff_invite.html", context), "text/html")
    message.send()
    events.staff_invited(actor=actor, email=email, role=Role(role).value)


def staff_join(*, token: str, full_name: str, password: str) -> User:
    """Create the invited teammate's account (once)."""
    email, role = staff_invite_read(token)
    if User.objects.filter(username=email).exists():
        raise StaffChangeRefused("already joined")
    user = staff_user_create(email=email, full_name=full_name, password=password, role=role)
    events.staff_joined(user, role=role.value)
    return user


# --- roles and deactivation ------------------------------------------------------------------


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
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def staff_deactivate(*, user: User, actor: Actor) -> int:
    """Deactivate a teammate and end their sessions at once; returns sessions ended."""
    with transaction.atomic():
        is_owner = user.groups.filter(name=group_name(Role.OWNER)).exists()
        if is_owner and _active_owners() <= 1:
            raise StaffChangeRefused("last owner")
        user.is_active = False
        user.save(update_fields=["is_active"])
        ended = _end_sessions(user)
        events.staff_deactivated(user, actor=actor, sessions_ended=ended)
    return ended


def staff_reactivate(*, user: User, actor: Actor) -> None:
    user.is_active = True
    user.save(update_fields=["is_active"])
    events.staff_reactivated(user, actor=actor)
