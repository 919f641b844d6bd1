"""A member's role, read on every staff request: one query, what the groups say now, each
organization's own member."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from portal.testing import data_queries
from tenants.members import Role, group_name, member_role
from tenants.tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def test_the_role_in_one_query_as_the_groups_say_now(org_a):
    with schema_context(org_a.schema_name):
        hr = StaffUserFactory.create(org=org_a, role=Role.HR_ADMIN)
        with CaptureQueriesContext(connection) as queries:
            assert member_role(hr) == Role.HR_ADMIN
        assert len(data_queries(queries)) == 1

        hr.groups.set([Group.objects.get(name=group_name(Role.VIEWER))])
        assert member_role(hr) == Role.VIEWER
        # A group that is not a role does not make one.
        hr.groups.set([Group.objects.create(name="not-a-role")])
        assert member_role(hr) is None
        assert member_role(User(pk=10**12)) is None


def test_each_organization_reads_its_own_members_role_by_the_same_id(org_a, org_b):
    with schema_context(org_a.schema_name):
        a_user = StaffUserFactory.create(org=org_a, email="same@a.example", role=Role.OWNER)
    with schema_context(org_b.schema_name):
        b_user = StaffUserFactory.create(org=org_b, email="same@b.example", role=Role.VIEWER)
    with schema_context(org_a.schema_name):
        assert member_role(a_user) == Role.OWNER
    with schema_context(org_b.schema_name):
        assert member_role(b_user) == Role.VIEWER
