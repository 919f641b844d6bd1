"""The backend that reads the signed-in member on every request (``MemberBackend``): the member
and their role in one query, nobody it should not find, each organization's own member, and
signing in over HTTP through it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from portal.testing import data_queries, host_client
from tenants.members import MEMBER_BACKEND, MemberBackend, Role, group_name, member_role, member_set_active
from tenants.tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def test_the_member_comes_with_their_role_in_one_query(org_a):
    with schema_context(org_a.schema_name):
        hr = StaffUserFactory.create(org=org_a, role=Role.HR_ADMIN)
        with CaptureQueriesContext(connection) as queries:
            user = MemberBackend().get_user(str(hr.pk))
            assert user is not None and user.pk == hr.pk and user.username == hr.username
            assert member_role(user) == Role.HR_ADMIN
        assert len(data_queries(queries)) == 1

        # A role changed since is what the next request's read finds.
        hr.groups.set([Group.objects.get(name=group_name(Role.VIEWER))])
        again = MemberBackend().get_user(hr.pk)
        assert again is not None and member_role(again) == Role.VIEWER
        hr.groups.clear()
        none = MemberBackend().get_user(hr.pk)
        assert none is not None and member_role(none) is None


def test_nobody_for_an_unknown_a_malformed_or_a_deactivated_member(org_a):
    with schema_context(org_a.schema_name):
        gone = StaffUserFactory.create(org=org_a, email="gone@alpha.example")
        member_set_active(gone, active=False)
        backend = MemberBackend()
        assert backend.get_user(gone.pk) is None
        assert backend.get_user(10**12) is None
        assert backend.get_user("1; DROP TABLE auth_user") is None
        assert backend.get_user(None) is None


def test_each_organization_finds_its_own_member_by_the_same_id(org_a, org_b):
    with schema_context(org_a.schema_name):
        a_user = StaffUserFactory.create(org=org_a, email="same@a.example", role=Role.OWNER)
    with schema_context(org_b.schema_name):
        b_user = StaffUserFactory.create(org=org_b, email="same@b.example", role=Role.VIEWER)
    with schema_context(org_a.schema_name):
        found = MemberBackend().get_user(a_user.pk)
        assert found is not None and found.username == a_user.username
        assert member_role(found) == Role.OWNER
    with schema_context(org_b.schema_name):
        found = MemberBackend().get_user(b_user.pk)
        assert found is not None and found.username == b_user.username
        assert member_role(found) == Role.VIEWER


def test_signing_in_records_this_backend_in_the_session(org_a):
    assert MEMBER_BACKEND in settings.AUTHENTICATION_BACKENDS
    with schema_context(org_a.schema_name):
        StaffUserFactory.create(org=org_a, email="signs-in@alpha.example", password="right-pass-4242")
    client = host_client(org_a.host)
    assert client.get("/accounts/login/").status_code == 200
    signing_in = {"username": "signs-in@alpha.example", "password": "right-pass-4242"}
    response = client.post("/accounts/login/", signing_in)
    assert response.status_code == 302, response.status_code
    session = client.session
    assert session["_auth_user_backend"] == MEMBER_BACKEND
    assert session[SESSION_KEY]
