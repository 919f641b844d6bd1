"""The dashboard's headline figures, their links into the directory (exactly the people each
count counts, and only for roles that may see names), the empty states of a new organization,
the trend's legend, and headings that are not repeated."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django_tenants.utils import schema_context

from portal.testing import OrgFixture, signed_in
from tenants.members import Role
from tenants.tests.factories import StaffUserFactory
from verification.buckets import BUCKET_KEYS
from verification.dashboard.tests.helpers import seed
from verification.models import Employee, Method, Progress, VaccinationStatus

pytestmark = pytest.mark.django_db

HOME, LIVE = "/", "/dashboard/live/"

LINK = re.compile(r'<a href="(/employees/\?[^"]*)"[^>]*>\s*([\d,]+)\s*</a>')


def _client(org: OrgFixture, role: Role):  # type: ignore[no-untyped-def]
    if role == Role.OWNER:
        return signed_in(org)
    user = StaffUserFactory.create(org=org, role=role, full_name=str(role.label))
    return signed_in(org, user.username)


def _mixed(org: OrgFixture) -> None:
    seed(
        org,
        [
            (5, "Sales", "Pune", Progress.VERIFIED, VaccinationStatus.FULLY_VACCINATED),
            (3, "Sales", "Delhi", Progress.VERIFIED, VaccinationStatus.PARTIALLY_VACCINATED),
            (2, "Ops", "Pune", Progress.VERIFIED, VaccinationStatus.NOT_VACCINATED),
            (4, "Ops", "Pune", Progress.INVITED, None),
            (2, "Ops", "Delhi", Progress.CONSENTED, None),
            (1, "Sales", "Pune", Progress.AWAITING_REVIEW, None),
            (2, "Ops", "Delhi", Progress.DECLINED, None),
            (1, "Ops", "Pune", Progress.WITHDRAWN, None),
            (1, "Sales", "Pune", Progress.FAILED, None),
            (6, "Sales", "Delhi", Progress.NOT_INVITED, None),
        ],
    )
    with schema_context(org.schema_name):
        # Some verified by certificate, the rest by KYC-VS; two inactive people never counted.
        verified = Employee.objects.filter(progress=Progress.VERIFIED).order_by("pk")
        Employee.objects.filter(pk__in=list(verified.values_list("pk", flat=True)[:4])).update(
            status_method=Method.CERTIFICATE
        )
        Employee.objects.filter(progress=Progress.VERIFIED, status_method="").update(
            status_method=Method.KYCVS
        )
        for progress in (Progress.INVITED, Progress.VERIFIED):
            first = Employee.objects.filter(progress=progress).order_by("pk").first()
            Employee.objects.filter(pk=first.pk).update(is_active=False)  # type: ignore[union-attr]


def test_every_count_links_to_the_directory_listing_exactly_those_people(org_a):
    _mixed(org_a)
    client = _client(org_a, Role.OWNER)

    body = client.get(HOME).content.decode()
    links = [(unescape(url), int(count.replace(",", ""))) for url, count in LINK.findall(body)]

    queries = {url.split("?", 1)[1] for url, _ in links}
    # The headline figures, every non-empty bucket, the ways to verify, the groups.
    for expected in (
        "bucket=vaccinated&active=yes",
        "bucket=answered&active=yes",
        "bucket=invited&active=yes",
        "bucket=pending&active=yes",
        "active=yes",
        *(f"bucket={key}&active=yes" for key in BUCKET_KEYS),
        "bucket=fully&method=certificate&active=yes",
        "department=Sales&active=yes",
    ):
        assert expected in queries, expected
    for url, count in links:
        listed = client.get(url)
        assert listed.status_code == 200
        assert listed.context["page"].paginator.count == count, url
        assert len(listed.context["employees"]) == count, url  # under one page: every row


def test_the_headline_shows_the_shares_as_large_numbers(org_a):
    _mixed(org_a)
    stats = _client(org_a, Role.OWNER).get(HOME).context["stats"].totals
    body = _client(org_a, Role.HR_ADMIN).get(LIVE).content.decode()
    headline = body[body.index('class="headline"') : body.index("</ul>", body.index('class="headline"'))]
    assert f'data-stat="vaccinated_share">{stats.vaccinated_share}%' in headline
    assert f'data-stat="response_rate">{stats.response_rate}%' in headline
    assert re.search(r'data-stat="pending"><a [^>]+>' + str(stats.counts["pending"]) + "</a>", headline)


def test_viewers_get_the_numbers_without_any_link_to_names(org_a):
    _mixed(org_a)
    client = _client(org_a, Role.VIEWER)
    for url in (HOME, LIVE):
        body = client.get(url).content.decode()
        assert "/employees/" not in body
        assert 'data-stat="vaccinated_share"' in body


def test_a_new_organization_sees_the_next_step_not_empty_charts(org_a):
    body = _client(org_a, Role.OWNER).get(HOME).content.decode()

    assert "Import your employees" in body
    assert 'href="/employees/import/"' in body and 'href="/employees/new/"' in body
    for absent in (
        "0.0%",
        "0 of 0",
        "too few employees per group",
        "Remind those who have not answered",
        "<canvas",
        "data-bucket=",
        "days recorded",
    ):
        assert absent not in body, absent
    assert 'id="dashboard-live"' in body  # still polling: the numbers arrive with the employees

    viewer = _client(org_a, Role.VIEWER).get(HOME).content.decode()
    assert "an Owner or HR Admin of your organization imports the employees first" in viewer
    assert "/employees/" not in viewer


def test_nobody_invited_yet_shows_no_rate_but_the_way_to_invite(org_a):
    seed(org_a, [(4, "Ops", "Pune", Progress.NOT_INVITED, None)])
    body = _client(org_a, Role.OWNER).get(HOME).content.decode()
    assert 'data-stat="response_rate">—<' in body and "0 of 0" not in body
    assert "Nobody invited yet." in body
    assert 'href="/employees/?progress=not_invited&amp;active=yes"' in body
    assert "Remind those who have not answered" not in body


def test_the_trend_covers_every_series_of_the_totals(org_a):
    seed(org_a, [(2, "Ops", "Pune", Progress.WITHDRAWN, None)])
    response = _client(org_a, Role.OWNER).get(HOME)
    series = [s["key"] for s in response.context["chart"]["trend"]["series"]]
    assert series == list(BUCKET_KEYS) == response.context["chart"]["status"]["keys"]


def test_no_heading_is_shown_twice(org_a):
    _mixed(org_a)
    body = _client(org_a, Role.OWNER).get(HOME).content.decode()
    headings = [
        re.sub(r"<[^>]+>|\s+", " ", text).strip()
        for text in re.findall(
            r"<(?:h1|h2|figcaption|summary)[^>]*>(.*?)</(?:h1|h2|figcaption|summary)>", body, re.S
        )
    ]
    assert len(headings) == len(set(headings)), headings
