"""The directory's rows, built once per page (views/rows.py), show every cell as the template
and its components did."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django_tenants.utils import schema_context

from portal.testing import signed_in
from verification.employees.views.rows import url_for_each
from verification.models import Employee, Invitation, Method, Progress, VaccinationStatus
from verification.tests.factories import EmployeeFactory, InvitationFactory

pytestmark = pytest.mark.django_db

LIST = "/employees/"


def test_one_reverse_gives_every_row_its_url():
    detail_url = url_for_each("employees:detail")
    for pk in (1, 42, 9087654321, 2**62):
        assert detail_url(pk) == reverse("employees:detail", args=[pk])


def test_each_cell_shows_what_the_components_show(org_a, org_b):
    verified_at = timezone.now() - timedelta(days=2)
    sent_at = timezone.now() - timedelta(hours=3)
    shown = EmployeeFactory.create(org=org_a, code="R1", full_name="Asha & Co", mobile="9876543210")
    gone = EmployeeFactory.create(org=org_a, code="R2", full_name="Bina Das")
    queued = EmployeeFactory.create(org=org_a, code="R3", full_name="Chetan Roy")
    EmployeeFactory.create(org=org_b, code="R9", full_name="Other Organization")
    with schema_context(org_a.schema_name):
        sms = InvitationFactory.create(employee=shown)
        Invitation.objects.filter(pk=sms.pk).update(channel="sms", sent_at=sent_at)
        InvitationFactory.create(employee=queued)
        Employee.objects.filter(pk=shown.pk).update(
            progress=Progress.VERIFIED,
            vaccination_status=VaccinationStatus.FULLY_VACCINATED,
            status_verified_at=verified_at,
            status_method=Method.CERTIFICATE,
            status_dose=3,
            status_total_doses=2,
            status_vaccine="Covishield",
            status_last_dose_on=date(2022, 1, 5),
        )
        Employee.objects.filter(pk=gone.pk).update(is_active=False)
        shown.refresh_from_db()

    def when(value: datetime) -> str:
        local = timezone.localtime(value)
        return f'<time datetime="{local.isoformat()}">{date_format(local, "SHORT_DATETIME_FORMAT")}</time>'

    for language in ("en", "hi"):
        body = signed_in(org_a).get(LIST, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        # The organization's time zone is the default one (TIME_ZONE).
        with translation.override(language), timezone.override(settings.TIME_ZONE):
            details = render_to_string("components/status_details.html", {"employee": shown})
            status = VaccinationStatus.FULLY_VACCINATED.label
            select = translation.gettext("Select %(name)s") % {"name": "Asha &amp; Co"}
            assert f'<a href="/employees/{shown.pk}/">Asha &amp; Co</a>' in body
            assert f'<label for="employee-{shown.pk}" class="visually-hidden">{select}</label>' in body
            assert "••••••3210" in body
            assert f'<span class="badge badge-verified">{Progress.VERIFIED.label}</span>' in body
            assert f'{status}<br><small class="muted">{details}</small>' in body
            assert when(verified_at) in body and when(sent_at) in body
            assert render_to_string("employees/_channel.html", {"channel": "sms"}) in body
            assert translation.gettext("Sending…") in body
            if language == "en":
                assert "dose 3 of 2 (precaution dose) · Covishield · last dose 5 Jan 2022" in details
        # The inactive one: no box to tick, its badge; the other organization's never.
        assert f'id="employee-{gone.pk}"' not in body and '<tr class="inactive">' in body
        assert "Other Organization" not in body
