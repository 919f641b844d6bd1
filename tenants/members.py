"""Staff members of an organization and their roles.

A member is an auth user in the organization's own schema, signing in by e-mail (the
username is the e-mail, lowercased); their role is one auth group (``role:<role>``), made by
a migration in every schema. Provisioning makes the first Owner here.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    HR_ADMIN = "hr_admin", _("HR Admin")
    VIEWER = "viewer", _("Viewer")


def group_name(role: Role | str) -> str:
    return f"role:{Role(role).value}"


def member_username(email: str) -> str:
    """How a member's e-mail is stored as their username."""
    return email.strip().lower()


def member_create(*, email: str, full_name: str, password: str, role: Role | str) -> User:
    """Create a member of the current organization, signing in by e-mail, with one role."""
    username = member_username(email)
    with transaction.atomic():
        user = User.objects.create_user(
            username=username, email=username, password=password, first_name=full_name.strip()[:150]
        )
        user.groups.add(Group.objects.get(name=group_name(role)))
    return user


def member_exists(email: str) -> bool:
    """Whether this e-mail already belongs to a member of the current organization (active or
    not): the one "already in the team" check."""
    return User.objects.filter(username=member_username(email)).exists()


def member_by_id(user_id: int | None) -> User | None:
    """The member with this id in the current organization, or None."""
    return User.objects.filter(pk=user_id).first() if user_id is not None else None


def member_role(user: User) -> Role | None:
    """The member's role in this organization, or None for a user with none."""
    names = {g.name for g in user.groups.all()}
    for role in Role:
        if group_name(role) in names:
            return role
    return None
