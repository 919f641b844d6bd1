"""What the staff account pages' tests share (not a test file): a signed-in HR Admin."""

from __future__ import annotations

from django_tenants.utils import schema_context

from portal.testing import signed_in
from tenants.members import Role
from tenants.tests.factories import StaffUserFactory


def hr_admin_client(org):  # type: ignore[no-untyped-def]
    """A client signed in as ``hr@<slug>.example``, an HR Admin of ``org``."""
    with schema_context(org.schema_name):
        StaffUserFactory.create(
            email=f"hr@{org.slug}.example", full_name="HR", password="x-long-pass-9", role=Role.HR_ADMIN
        )
    return signed_in(org, f"hr@{org.slug}.example")
