"""Writes inside an organization's schema."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import transaction

from verification.roles import Role, group_name


def staff_user_create(*, email: str, full_name: str, password: str, role: Role | str) -> User:
    """Create a staff user of the current organization, signing in by e-mail, with one role."""
    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.create_user(
            username=email, email=email, password=password, first_name=full_name.strip()[:150]
        )
        user.groups.add(Group.objects.get(name=group_name(role)))
    return user
