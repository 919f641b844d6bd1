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
        sms = InvitationFactory.create(employee=shown, channel="sms")
        # Texted three hours ago (the invitation and, as invitation_send keeps it, the row).
        Invitation.objects.filter(pk=sms.pk).update(sent_at=sent_at)
        Employee.objects.filter(pk=shown.pk).update(last_invitation_sent_at=sent_at)
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


def test_a_row_reads_as_the_row_template_renders_it_whatever_its_values_hold():
    """RowMarkup renders the template once per shape of row; every row must still come out
    exactly as the template renders it, values escaped, nothing in a value taken as a marker."""
    from django.template.loader import get_template
    from django.utils.safestring import mark_safe

    from verification.employees.views.rows import RowMarkup

    def row(pk: str, **cells: object) -> dict[str, object]:
        base: dict[str, object] = {
            "pk": pk,
            "url": f"/employees/{pk}/",
            "is_active": True,
            "select_label": mark_safe(f"Select <b>{pk}</b>"),  # noqa: S308 - safe markup stays as it is
            "name": f"Person {pk}",
            "code": pk,
            "email": "—",
            "mobile": "—",
            "department": "Ops",
            "location": "Pune",
            "progress": "invited",
            "progress_label": "Invited",
            "mobile_changed": False,
            "status": None,
            "status_details": "",
            "verified": "",
            "verified_iso": "",
            "sent": "",
            "sent_iso": "",
            "invited": True,
        }
        return {**base, **cells}

    rows = [
        row("1"),
        row("2", name='<script>alert("x")</script> & Co', email="a&b@example.com"),
        row("3", name="\ue000code\ue001 \ue000url\ue001", code="\ue000name\ue001"),  # markers, typed
        row("4", is_active=False, invited=False, mobile_changed=True),
        row("5", status="Fully vaccinated", status_details=mark_safe("<span>dose 2 of 2</span>")),
        row("6", status="", verified="1 Dec 2026, 9:00 am", verified_iso="2026-12-01T09:00:00+05:30"),
        row("7", sent="1 Dec", sent_iso="2026-12-01", channel=mark_safe('<span class="badge">SMS</span>')),
        row("8", name="Person 8"),  # the first row's shape again
    ]
    markup = RowMarkup("employees/_row.html")
    template = get_template("employees/_row.html")
    for cells in rows:
        assert markup.render(cells) == template.render({"row": cells}), cells["pk"]
    assert len(markup.shapes) == 5  # rows 1, 2, 3 and 8 share one shape
