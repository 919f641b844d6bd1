"""Staff members of an organization and their roles.

A member is an auth user in the organization's own schema, signing in by e-mail (the
username is the e-mail, lowercased); their role is one auth group (``role:<role>``), made by
a migration in every schema. Provisioning makes the first Owner here.

Every active member's address is also in the public schema's ``MemberAddress`` index (as a
keyed digest), so that "find your organization" needs no scan of every schema. Adding,
deactivating and reactivating a member go through here, which keeps the index in step.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy as _

from tenants.models import MemberAddress
from tenants.selectors import organization_current


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    HR_ADMIN = "hr_admin", _("HR Admin")
    VIEWER = "viewer", _("Viewer")


def group_name(role: Role | str) -> str:
    return f"role:{Role(role).value}"


def member_username(email: str) -> str:
    """How a member's e-mail is stored as their username."""
    return email.strip().lower()


def member_address_digest(email: str) -> str:
    """The keyed digest an address is indexed under (changing SECRET_KEY means re-indexing:
    ``manage.py migrate tenants 0010 && manage.py migrate tenants`` rebuilds it)."""
    key = hashlib.sha256(b"tika.member-address" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, member_username(email).encode(), hashlib.sha256).hexdigest()


def _address_index(user: User) -> None:
    """Make the index say what the member's ``is_active`` says, for the current organization."""
    organization = organization_current()
    if organization is None:
        return
    digest = member_address_digest(user.get_username())
    if user.is_active:
        MemberAddress.objects.get_or_create(email_digest=digest, organization=organization)
    else:
        MemberAddress.objects.filter(email_digest=digest, organization=organization).delete()


def member_create(*, email: str, full_name: str, password: str, role: Role | str) -> User:
    """Create a member of the current organization, signing in by e-mail, with one role, and
    index their address."""
    username = member_username(email)
    with transaction.atomic():
        user = User.objects.create_user(
            username=username, email=username, password=password, first_name=full_name.strip()[:150]
        )
        user.groups.add(Group.objects.get(name=group_name(role)))
        _address_index(user)
    return user


def member_set_active(user: User, *, active: bool) -> None:
    """Deactivate or reactivate a member: they can (not) sign in, and "find your
    organization" does (not) list this organization for their address."""
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        _address_index(user)


def member_exists(email: str) -> bool:
    """Whether this e-mail already belongs to a member of the current organization (active or
    not): the one "already in the team" check."""
    return User.objects.filter(username=member_username(email)).exists()


def member_by_id(user_id: int | None) -> User | None:
    """The member with this id in the current organization, or None."""
    return User.objects.filter(pk=user_id).first() if user_id is not None else None


def member_role(user: User) -> Role | None:
    """The member's role in this organization, or None for a user with none.

    Asked on every staff request: one plain query for the names of the member's groups
    (through the ORM, building it cost three times running it: 0.72 ms against 0.2)."""
    quote = connection.ops.quote_name
    group, through = quote(Group._meta.db_table), quote(User.groups.through._meta.db_table)
    with connection.cursor() as cursor:
        # Table names from the models, quoted; the id is a parameter.
        cursor.execute(
            f"SELECT {group}.name FROM {through} JOIN {group} ON {group}.id = {through}.group_id"  # noqa: S608
            f" WHERE {through}.user_id = %s",
            [user.pk],
        )
        names = {name for (name,) in cursor.fetchall()}
    for role in Role:
        if group_name(role) in names:
            return role
    return None
