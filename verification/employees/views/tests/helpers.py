"""What the tests of HR's employee pages share (not a test file): a signed-in teammate of a
role, and the messages a page shows."""

from __future__ import annotations

from django.test import Client

from portal.testing import OrgFixture, signed_in
from tenants.members import Role
from tenants.tests.factories import StaffUserFactory


def staff_client(org: OrgFixture, role: Role) -> Client:
    """A client signed in as a new member of ``org``'s staff with ``role``
    (``<role>@<slug>.example``, named after the role)."""
    user = StaffUserFactory.create(org=org, role=role, full_name=str(role.label))
    return signed_in(org, user.username)


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]]
