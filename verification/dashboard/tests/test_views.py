"""The dashboard: aggregates only, two organizations, small-group merging, the trend, the remind
button, a flat query count; the shell of the organization's home page."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from portal.testing import OWNER_PASSWORD, OrgFixture, data_queries, host_client, signed_in
from tenants.members import Role
from tenants.tests.factories import StaffUserFactory
from verification.dashboard.tests.helpers import seed
from verification.models import DailySnapshot, Employee, Progress, VaccinationStatus

pytestmark = pytest.mark.django_db

HOME, LIVE, REMIND = "/", "/dashboard/live/", "/dashboard/remind/"

MAX_QUERIES = 10


def _signed_in(org: OrgFixture, role: Role | None = None) -> Client:
    with schema_context(org.schema_name):
        if role is None or role == Role.OWNER:
            user = User.objects.get(username=org.owner_email)
        else:
            user = StaffUserFactory.create(
                role=role, email=f"{role.value}@{org.slug}.example", password="pass-42-x"
            )
    return signed_in(org, user.username)


def _data(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.content.decode()
    start = body.index('<script id="dashboard-data" type="application/json">') + len(
        '<script id="dashboard-data" type="application/json">'
    )
    return json.loads(body[start : body.index("</script>", start)])


# --- access and isolation ----------------------------------------------------------------


def test_dashboard_and_fragment_require_sign_in(org_a):
    client = host_client(org_a.host)
    assert client.get(HOME)["Location"] == "/accounts/login/?next=/"
    assert client.get(LIVE).status_code == 302
    # Polling after the session ended takes the whole page to sign-in.
    response = client.get(LIVE, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"].startswith("/accounts/login/")


def test_each_organization_sees_only_its_own_numbers(org_a, org_b):
    seed(org_a, [(7, "Alpha Sales", "Pune", Progress.VERIFIED, VaccinationStatus.FULLY_VACCINATED)])
    seed(org_a, [(3, "Alpha Sales", "Pune", Progress.NOT_INVITED, None)], prefix="N")
    seed(org_b, [(41, "Bravo Secret Lab", "Leh", Progress.VERIFIED, VaccinationStatus.PARTIALLY_VACCINATED)])

    client = _signed_in(org_a)
    for url in (HOME, LIVE):
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Bravo Secret Lab" not in body and "Leh" not in body
        totals = response.context["stats"].totals
        assert totals.active == 10
        assert totals.counts["fully"] == 7 and totals.counts["partially"] == 0
        assert totals.counts["not_invited"] == 3
        assert _data(response)["status"]["values"] == [7, 0, 0, 0, 0, 0, 0, 0, 3]
        assert 'id="dashboard-live"' in body and 'hx-trigger="every 5s"' in body

    response = _signed_in(org_b).get(LIVE)
    assert response.context["stats"].totals.active == 41
    assert "Alpha Sales" not in response.content.decode()


def test_viewer_sees_aggregates_and_no_names(org_a):
    seed(org_a, [(6, "Ops", "Pune", Progress.VERIFIED, VaccinationStatus.FULLY_VACCINATED)])
    client = _signed_in(org_a, Role.VIEWER)
    for url in (HOME, LIVE):
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Zebediah" not in body and "@staff.example" not in body
        assert "E0" not in body.replace("E0E", "")  # no employee code either
    home = client.get(HOME).content.decode()
    assert "Remind those who have not answered" not in home
    assert client.post(REMIND).status_code == 403


def test_owner_and_hr_admin_see_the_remind_button_when_someone_is_to_answer(org_a):
    owner, hr = _signed_in(org_a), _signed_in(org_a, Role.HR_ADMIN)
    seed(org_a, [(3, "Ops", "Pune", Progress.NOT_INVITED, None)])
    seed(org_a, [(2, "Ops", "Pune", Progress.CONSENTED, None)], prefix="C")
    for client in (owner, hr):  # nobody invited is still to answer: nobody to remind
        assert "Remind those who have not answered" not in client.get(HOME).content.decode()
    seed(org_a, [(1, "Ops", "Pune", Progress.INVITED, None)], prefix="I")
    for client in (owner, hr):
        assert "Remind those who have not answered" in client.get(HOME).content.decode()


def test_remind_button_queues_the_reminders_when_some_are_due(org_a, django_capture_on_commit_callbacks):
    from verification.models import Invitation

    seed(org_a, [(1, "Ops", "Pune", Progress.INVITED, None)])
    client = _signed_in(org_a, Role.HR_ADMIN)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(REMIND, follow=True)
    assert "No reminders sent" in response.content.decode()
    assert callbacks == []

    with schema_context(org_a.schema_name):
        employee = Employee.objects.get()
        Invitation.objects.create(
            employee=employee,
            token_hash="x" * 64,
            token="t",
            sent_at=timezone.now() - timedelta(days=2),
            expires_at=timezone.now() + timedelta(days=5),
        )
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(REMIND, follow=True)
    assert "A reminder is on its way to 1 employee" in response.content.decode()
    assert len(callbacks) == 1


# --- small groups -------------------------------------------------------------------------


def test_dashboard_page_merges_small_departments_and_respects_the_setting(org_a):
    seed(
        org_a,
        [
            (6, "Sales", "Pune", Progress.VERIFIED, VaccinationStatus.FULLY_VACCINATED),
            (5, "Ops", "Pune", Progress.INVITED, None),
            (1, "Board", "Pune", Progress.DECLINED, None),
            (1, "Legal", "Pune", Progress.DECLINED, None),
        ],
    )
    client = _signed_in(org_a)
    body = client.get(LIVE).content.decode()
    assert "Board" not in body and "Legal" not in body
    # Board + Legal are 2 people: Ops (the smallest group shown) joins "Other".
    departments = client.get(LIVE).context["stats"].by_department
    assert [(g.name, g.counts.active) for g in departments.groups] == [("Sales", 6), ("Other", 7)]
    assert 'data-group="Ops"' not in body

    organization = org_a.get()
    organization.dashboard_min_group_size = 1
    organization.save(update_fields=["dashboard_min_group_size"])
    try:
        body = _signed_in(org_a).get(LIVE).content.decode()
        assert 'data-group="Board"' in body and 'data-group="Ops"' in body
    finally:
        organization.dashboard_min_group_size = 5
        organization.save(update_fields=["dashboard_min_group_size"])


# --- trend ----------------------------------------------------------------------------------


def test_trend_comes_from_the_snapshots_with_gaps_for_missing_days(org_a):
    seed(org_a, [(1, "Ops", "Pune", Progress.NOT_INVITED, None)])
    today = timezone.localdate()
    with schema_context(org_a.schema_name):
        DailySnapshot.objects.create(date=today, counts={"fully": 5, "active": 9})
        DailySnapshot.objects.create(date=today - timedelta(days=2), counts={"fully": 3, "active": 9})
        DailySnapshot.objects.create(date=today - timedelta(days=120), counts={"fully": 1, "active": 9})
    response = _signed_in(org_a).get(HOME)
    trend = _data(response)["trend"]
    assert len(trend["dates"]) == 90 and trend["dates"][-1] == today.isoformat()
    fully = next(s for s in trend["series"] if s["key"] == "fully")["values"]
    assert fully[-1] == 5 and fully[-2] is None and fully[-3] == 3
    assert fully.count(None) == 88
    assert len(response.context["trend"]) == 2


# --- queries ------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(data_queries(captured))


def test_query_count_stays_flat_as_employees_grow(org_a):
    departments = [f"Dept {i}" for i in range(12)]
    seed(org_a, [(1, departments[i % 12], f"City {i % 7}", Progress.INVITED, None) for i in range(10)])
    client = _signed_in(org_a)
    for url in (HOME, LIVE):
        client.get(url)  # warm up: the session's first save, anything cached once
    small = {url: _queries(client, url) for url in (HOME, LIVE)}

    seed(
        org_a,
        [(1, departments[i % 12], f"City {i % 7}", Progress.VERIFIED, i % 3) for i in range(190)],
        prefix="M",
    )
    with schema_context(org_a.schema_name):
        for day in range(90):
            DailySnapshot.objects.create(
                date=timezone.localdate() - timedelta(days=day), counts={"fully": day}
            )
    large = {url: _queries(client, url) for url in (HOME, LIVE)}

    assert large == small
    assert max(large.values()) <= MAX_QUERIES


# --- the organization's home page --------------------------------------------------------------


def test_home_requires_sign_in(org_a):
    response = host_client(org_a.host).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_owner_sees_dashboard_shell_of_own_organization(org_a):
    client = host_client(org_a.host)
    assert (
        client.post("/accounts/login/", {"username": "OWNER@alpha.example", "password": OWNER_PASSWORD})[
            "Location"
        ]
        == "/"
    )
    body = signed_in(org_a).get("/").content.decode()
    assert "Dashboard" in body
    assert "Alpha" in body and "Bravo" not in body
    assert "You are signed in as Owner" in body
