"""Printable invitation letters: one PDF page per employee with their new personal link as a
QR code (read back here as a phone would), both languages drawn, audited, and only for this
organization's employees."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from portal.testing import signed_in
from tenants.members import Role
from tenants.tests.factories import StaffUserFactory
from verification.models import AuditEvent, Channel, Employee, Invitation
from verification.tests.factories import EmployeeFactory, InvitationFactory

pytestmark = pytest.mark.django_db


def _pages(pdf: bytes) -> list[str]:
    """The link in the QR code of each page, read from the page as printed (150 dpi)."""
    document = pdfium.PdfDocument(pdf)
    links = []
    for page in document:
        image = page.render(scale=150 / 72).to_pil()
        (barcode,) = zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
        links.append(barcode.text)
    return links


def _download(response) -> bytes:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    return b"".join(response.streaming_content)


def test_one_letter_carries_a_new_link_and_is_audited(org_a):
    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create(code="SF-1", full_name="रमेश यादव", email="")
        earlier = InvitationFactory.create(employee=EmployeeFactory.create(code="SF-2"))
        # An e-mailed invitation of the same person is replaced by the letter's.
        first = InvitationFactory.create(employee=Employee.objects.get(pk=earlier.employee_id))
    client = signed_in(org_a)
    response = client.post(f"/employees/letters/{employee.pk}/")
    today = timezone.localdate()
    assert response["Content-Disposition"] == f'attachment; filename="alpha-letter-sf-1-{today:%Y-%m-%d}.pdf"'
    (link,) = _pages(_download(response))
    with schema_context(org_a.schema_name):
        invitation = Invitation.objects.get(employee=employee)
        assert invitation.channel == Channel.LETTER and invitation.sent_at is not None
        assert link == f"http://alpha.localhost:8000/c/{invitation.token}/"
        assert len(invitation.token) == 22
        actions = list(AuditEvent.objects.filter(employee_id=employee.pk).values_list("action", flat=True))
        assert "invitation.letter_printed" in actions and "invitation.created" in actions
        printed = AuditEvent.objects.get(action="invitation.letter_printed", employee_id=employee.pk)
        assert printed.actor_label == org_a.owner_email
        assert first.revoked_at is None  # another employee's link is left alone


def test_a_reprinted_letter_replaces_the_earlier_link(org_a):
    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create()
        emailed = InvitationFactory.create(employee=employee)
    client = signed_in(org_a)
    _download(client.post(f"/employees/letters/{employee.pk}/"))
    with schema_context(org_a.schema_name):
        emailed.refresh_from_db()
        assert emailed.revoked_at is not None


def test_letters_for_the_selection_one_page_each(org_a):
    with schema_context(org_a.schema_name):
        a = EmployeeFactory.create(code="L-A", full_name="Asha Verma", email="")
        b = EmployeeFactory.create(code="L-B", full_name="Bala Iyer")
        gone = EmployeeFactory.create(code="L-C")
        Employee.objects.filter(pk=gone.pk).update(is_active=False)
    client = signed_in(org_a)
    response = client.post("/employees/letters/", {"employee_ids": [b.pk, a.pk, gone.pk]})
    links = _pages(_download(response))
    with schema_context(org_a.schema_name):
        tokens = {i.employee_id: i.token for i in Invitation.objects.filter(channel=Channel.LETTER)}
        assert set(tokens) == {a.pk, b.pk}
        # By name: Asha, then Bala.
        assert links == [f"http://alpha.localhost:8000/c/{tokens[e.pk]}/" for e in (a, b)]
        assert AuditEvent.objects.filter(action="invitation.letter_printed").count() == 2


def test_no_selection_prints_nothing(org_a):
    client = signed_in(org_a)
    response = client.post("/employees/letters/", {}, follow=True)
    assert "No letters: tick the active employees" in response.content.decode()


def test_another_organizations_employees_are_not_found(org_a, org_b):
    with schema_context(org_b.schema_name):
        theirs = EmployeeFactory.create(code="B-1")
    client = signed_in(org_a)
    assert client.post(f"/employees/letters/{theirs.pk}/").status_code == 404
    response = client.post("/employees/letters/", {"employee_ids": [theirs.pk]}, follow=True)
    assert "No letters" in response.content.decode()
    with schema_context(org_b.schema_name):
        assert not Invitation.objects.filter(employee_id=theirs.pk).exists()
        assert not AuditEvent.objects.filter(action="invitation.letter_printed").exists()
    with schema_context(org_a.schema_name):
        assert not Invitation.objects.filter(channel=Channel.LETTER).exists()


def test_only_owners_and_hr_admins_print_and_only_by_post(org_a):
    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create()
    StaffUserFactory.create(org=org_a, email="viewer@alpha.example", role=Role.VIEWER)
    viewer = signed_in(org_a, "viewer@alpha.example")
    assert viewer.post(f"/employees/letters/{employee.pk}/").status_code == 403
    assert signed_in(org_a).get(f"/employees/letters/{employee.pk}/").status_code == 405
    anonymous = Client(HTTP_HOST=org_a.host)
    assert anonymous.post(f"/employees/letters/{employee.pk}/").status_code == 302
    with schema_context(org_a.schema_name):
        assert not Invitation.objects.filter(employee=employee).exists()


def test_the_directory_and_the_employees_page_offer_letters(org_a):
    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create(email="")
    client = signed_in(org_a)
    assert 'formaction="/employees/letters/"' in client.get("/employees/").content.decode()
    page = client.get(f"/employees/{employee.pk}/").content.decode()
    assert f'action="/employees/letters/{employee.pk}/"' in page
    assert 'data-invite="email"' not in page  # no e-mail on file


def test_printed_letters_show_in_the_directory(org_a):
    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create(full_name="Letter Person", email="")
    client = signed_in(org_a)
    _download(client.post(f"/employees/letters/{employee.pk}/"))
    assert 'data-channel="letter"' in client.get("/employees/").content.decode()
