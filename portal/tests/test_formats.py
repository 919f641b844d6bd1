"""One Indian date format everywhere, in the organization's time zone: "1 Dec 2026, 11:54 am"
in English and "1 दिसंबर 2026, 11:54 पूर्वाह्न" in Hindi; never 12/01/2026 for 1 December."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from django_tenants.utils import schema_context

from portal.testing import signed_in
from tenants.models import Organization
from tenants.selectors import organization_time_zone
from verification.mail import mail_render
from verification.models import Employee
from verification.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

#: 1 December 2026, 11:54 am in India (06:24 UTC).
MOMENT = datetime(2026, 12, 1, 6, 24, tzinfo=UTC)


@pytest.mark.parametrize(
    "language, expected",
    [("en", "1 Dec 2026, 11:54 am"), ("hi", "1 दिसंबर 2026, 11:54 पूर्वाह्न")],
)
def test_the_datetime_format_is_indian_with_am_and_pm_in_both_languages(language, expected):
    with translation.override(language), timezone.override(ZoneInfo("Asia/Kolkata")):
        local = timezone.localtime(MOMENT)
        assert date_format(local, "DATETIME_FORMAT") == expected
        assert date_format(local, "SHORT_DATETIME_FORMAT") == expected
        assert date_format(local.date(), "DATE_FORMAT") == expected.split(",")[0]
        evening = date_format(local.replace(hour=18), "TIME_FORMAT")
    assert evening == {"en": "6:54 pm", "hi": "6:54 अपराह्न"}[language]


@pytest.fixture
def org_a_in_dubai(org_a) -> Iterator[Organization]:
    organization = org_a.get()
    Organization.objects.filter(pk=organization.pk).update(time_zone="Asia/Dubai")
    organization.refresh_from_db()
    yield organization
    Organization.objects.filter(pk=organization.pk).update(time_zone="Asia/Kolkata")


def test_an_organization_is_in_india_unless_it_says_otherwise(org_a):
    organization = org_a.get()
    assert organization.time_zone == "Asia/Kolkata"
    assert organization_time_zone(organization) == ZoneInfo("Asia/Kolkata")
    assert organization_time_zone(None) == ZoneInfo("Asia/Kolkata")  # the public site


def _employee(org):  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    with schema_context(org.schema_name):
        employee = EmployeeFactory.create(org=org, code=f"DT-{tag}", email=f"{tag}@staff.example")
        # As a verified status leaves it (the status's own path is tested in its room).
        Employee.objects.filter(pk=employee.pk).update(status_verified_at=MOMENT, vaccination_status=2)
        return employee


@pytest.mark.parametrize("path", ["/employees/", "/employees/{pk}/"])
def test_pages_show_the_indian_format_never_the_us_one(org_a, path):
    employee = _employee(org_a)
    page = signed_in(org_a).get(path.format(pk=employee.pk)).content.decode()
    assert "1 Dec 2026, 11:54 am" in page
    assert "12/01/2026" not in page and "12/1/2026" not in page and "Dec. 1" not in page


def test_pages_follow_the_organizations_time_zone(org_a, org_a_in_dubai):
    employee = _employee(org_a)
    page = signed_in(org_a).get(f"/employees/{employee.pk}/").content.decode()
    assert "1 Dec 2026, 10:24 am" in page and "11:54" not in page


def test_a_hindi_page_has_hindi_months_and_am_pm(org_a):
    employee = _employee(org_a)
    owner = signed_in(org_a)
    owner.cookies["django_language"] = "hi"
    page = owner.get(f"/employees/{employee.pk}/").content.decode()
    assert "1 दिसंबर 2026, 11:54 पूर्वाह्न" in page


def test_e_mails_spell_dates_as_pages_do_in_the_organizations_zone(org_a, org_a_in_dubai):
    tag = uuid.uuid4().hex[:8]
    # 1 Dec 2026, 12:30 am in India is still 30 November (11 pm) in Dubai.
    expires = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create(org=org_a, code=f"DM-{tag}", email=f"{tag}@staff.example")
        _s, text, html = mail_render(
            name="invitation",
            context={
                "employee": employee,
                "organization": org_a_in_dubai,
                "link": "http://x/",
                "expires_at": expires,
            },
        )
    assert "30 Nov 2026" in text and "30 Nov 2026" in html
    assert "November" not in text  # the same short month as the pages


def test_a_task_shows_times_in_its_organizations_zone(org_a, org_a_in_dubai):
    from portal.tests.celery_probe import current_time_zone

    with schema_context(org_a.schema_name):
        assert current_time_zone.apply().get() == "Asia/Dubai"
    assert timezone.get_current_timezone_name() != "Asia/Dubai"  # only while the task ran
