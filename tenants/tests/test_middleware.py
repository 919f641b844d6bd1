"""tenants.middleware: the organization a request is for, without SET search_path round trips
it does not need, and never a request served on another organization's schema."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.testing import host_client, signed_in

pytestmark = pytest.mark.django_db


def _schema() -> str:
    return str(connection.schema_name)  # type: ignore[attr-defined]


def _search_path_sets(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SET search_path")]


def test_the_next_request_of_the_same_organization_sets_no_search_path(org_a):
    client = signed_in(org_a)
    assert client.get("/employees/").status_code == 200  # reads org A's tables: the path is set
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/employees/").status_code == 200
    assert len(captured) > 3
    assert _search_path_sets(captured) == []  # django-tenants' own set two: public, then org A
    assert _schema() == org_a.schema_name


def test_a_request_after_another_organization_switches_once(org_a, org_b):
    staff_a, staff_b = signed_in(org_a), signed_in(org_b)
    assert staff_b.get("/employees/").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert staff_a.get("/employees/").status_code == 200
    assert _search_path_sets(captured) == ['SET search_path = "org_alpha","public"']


def test_alternating_organizations_each_get_their_own_schema_and_data(org_a, org_b):
    """Requests of A, then B, then the public site, then A again on one connection: each runs
    on its own schema and shows its own organization, never the one the connection was at."""
    name_a, name_b = org_a.get().name, org_b.get().name
    staff_a, staff_b = signed_in(org_a), signed_in(org_b)
    public = host_client(settings.BASE_DOMAIN)
    for _ in range(2):
        page = staff_a.get("/employees/")
        assert page.status_code == 200 and name_a in page.content.decode()
        assert name_b not in page.content.decode()
        assert _schema() == org_a.schema_name
        page = staff_b.get("/employees/")
        assert page.status_code == 200 and name_b in page.content.decode()
        assert name_a not in page.content.decode()
        assert _schema() == org_b.schema_name
        assert public.get("/").status_code == 200
        assert _schema() == "public"
    # A's session means nothing on B's site, whichever schema the connection was left at.
    staff_a.defaults["HTTP_HOST"] = org_b.host
    assert staff_a.get("/employees/").status_code in (302, 403)


def test_an_unknown_host_after_an_organization_is_served_on_the_public_schema(org_a):
    assert host_client(org_a.host).get("/accounts/login/").status_code == 200
    assert _schema() == org_a.schema_name
    response = host_client("nobody.localhost").get("/")
    assert response.status_code == 404
    assert "No organization here" in response.content.decode()
    assert _schema() == "public"
