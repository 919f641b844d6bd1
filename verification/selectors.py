"""Reads inside an organization's schema."""

from __future__ import annotations

from django.contrib.auth.models import User

from verification.roles import Role


def staff_user_role(user: User) -> Role | None:
    """The user's role in this organization, or None for a user with none."""
    names = {g.name for g in user.groups.all()}
    for role in Role:
        if f"role:{role.value}" in names:
            return role
    return None
