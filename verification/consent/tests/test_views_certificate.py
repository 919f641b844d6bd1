"""The employee's certificate pages, as a phone posts them: the choice of a way to verify, the
upload (a PDF, a photo of the QR code, the QR code's bytes from the camera scan), what the page
says is read and kept, refusals that say what to do and store nothing, and the result."""

from __future__ import annotations

import base64
import dataclasses
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image

from portal.testing import host_client
from tenants.models import Organization, VerificationMethods
from verification.models import Employee, Method, Progress, StatusRecord, VerificationAttempt
from verification.providers.sandbox import certificates as sandbox
from verification.tests.employee_flow import invited

pytestmark = pytest.mark.django_db


def _demo(mobile: str = "9000000001"):  # type: ignore[no-untyped-def]
    demo = sandbox.demo_certificate(mobile)
    assert demo is not None
    return demo, sandbox.sign(demo)


def _consented(org, name: str = "Ravi Kumar"):  # type: ignore[no-untyped-def]
    invitation = invited(org, name=name)
    browser = host_client(org.host)
    assert browser.post(f"/c/{invitation.token}/agree/", {"agree": "on"})["Location"].endswith("/verify/")
    return invitation, browser


def _alerts(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", alert).split())
        for alert in re.findall(r'role="alert"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    ]


def test_after_consent_the_employee_chooses_how_to_verify(org_a):
    invitation, browser = _consented(org_a)
    page = browser.get(f"/c/{invitation.token}/verify/").content.decode()
    assert (
        f'href="/c/{invitation.token}/certificate/"' in page
        and f'href="/c/{invitation.token}/details/"' in page
    )
    certificate = browser.get(f"/c/{invitation.token}/certificate/").content.decode()
    # It says plainly what is read from the certificate and what is kept.
    assert "nothing is sent to CoWIN" in certificate
    assert "date of birth, gender and address on it are never shown to anyone or exported" in certificate
    assert (
        'enctype="multipart/form-data"' in certificate
        and 'accept="application/pdf,image/png,image/jpeg"' in certificate
    )
    assert "vendor/jsqr-1.4.0.js" in certificate  # the camera scan, from a vendored decoder


@pytest.mark.parametrize("kind", ["pdf-zip", "png-utf8", "photo", "camera"])
def test_the_certificate_verifies_from_every_kind_of_upload(org_a, kind):
    invitation, browser = _consented(org_a)
    demo, signed = _demo()
    data: dict[str, object]
    if kind == "camera":
        # What the browser's decoder sends: the QR code's bytes, base64.
        data = {"qr": base64.b64encode(sandbox.qr_payload(signed, "utf8")).decode()}
    elif kind == "photo":
        # A phone photo of the PNG: smaller, JPEG, rotated a little.
        image = Image.open(io.BytesIO(sandbox.png(demo, signed, "zip"))).convert("RGB")
        image = image.rotate(7, expand=True, fillcolor="white").resize(
            (image.width * 2 // 3, image.height * 2 // 3)
        )
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=55)
        data = {"file": SimpleUploadedFile("photo.jpg", buffer.getvalue(), "image/jpeg")}
    else:
        file_kind, encoding = kind.split("-")
        render = sandbox.pdf if file_kind == "pdf" else sandbox.png
        data = {"file": SimpleUploadedFile(f"c.{file_kind}", render(demo, signed, encoding))}
    response = browser.post(f"/c/{invitation.token}/certificate/", data)
    assert response.status_code == 302 and response["Location"] == f"/c/{invitation.token}/done/", _alerts(
        response
    )
    done = browser.get(response["Location"]).content.decode()
    assert 'data-method="certificate"' in done and "Dose 2 of 2 (COVISHIELD)" in done
    with schema_context(org_a.schema_name):
        employee = Employee.objects.get(pk=invitation.employee_id)
        assert (employee.progress, employee.vaccination_status, employee.status_method) == (
            Progress.VERIFIED,
            2,
            Method.CERTIFICATE,
        )


def test_a_bad_file_says_why_and_what_to_do_and_stores_nothing(org_a):
    invitation, browser = _consented(org_a)
    blank = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(blank, "PNG")
    not_a_file = browser.post(
        f"/c/{invitation.token}/certificate/", {"file": SimpleUploadedFile("notes.txt", b"just some text")}
    )
    assert not_a_file.status_code == 200
    assert "This file is not a PDF, PNG or JPEG image, or it is damaged." in not_a_file.content.decode()
    no_qr = browser.post(
        f"/c/{invitation.token}/certificate/", {"file": SimpleUploadedFile("blank.png", blank.getvalue())}
    )
    assert no_qr.status_code == 200
    alerts = _alerts(no_qr)
    assert any("No QR code could be read" in a for a in alerts), alerts
    assert any("Upload the certificate PDF downloaded from CoWIN" in a for a in alerts)  # what to do
    nothing = browser.post(f"/c/{invitation.token}/certificate/", {})
    assert "Choose the certificate file, or scan its QR code" in nothing.content.decode()
    with schema_context(org_a.schema_name):
        assert not VerificationAttempt.objects.filter(employee_id=invitation.employee_id).exists()
        assert not StatusRecord.objects.filter(employee_id=invitation.employee_id).exists()


def test_another_employees_certificate_is_refused(org_a):
    demo, signed = _demo()
    first, first_browser = _consented(org_a)
    pdf = sandbox.pdf(demo, signed, "zip")
    assert (
        first_browser.post(
            f"/c/{first.token}/certificate/", {"file": SimpleUploadedFile("c.pdf", pdf)}
        ).status_code
        == 302
    )
    second, browser = _consented(org_a)
    refused = browser.post(f"/c/{second.token}/certificate/", {"file": SimpleUploadedFile("c.pdf", pdf)})
    assert refused.status_code == 200
    assert any("already been used to verify someone else" in a for a in _alerts(refused))


def test_a_name_not_on_file_waits_for_hr_and_says_so(org_a):
    invitation, browser = _consented(org_a, name="Lakshmi Venkatesh")
    demo, signed = _demo("9000000012")  # "Laxmi Iyer"
    response = browser.post(
        f"/c/{invitation.token}/certificate/",
        {"file": SimpleUploadedFile("c.pdf", sandbox.pdf(demo, signed, "zip"))},
    )
    done = browser.get(response["Location"]).content.decode()
    assert 'data-review="pending"' in done and "compare the two names" in done


def test_the_result_is_shown_only_to_the_browser_that_uploaded(org_a):
    invitation, browser = _consented(org_a)
    demo, signed = _demo()
    browser.post(
        f"/c/{invitation.token}/certificate/",
        {"file": SimpleUploadedFile("c.pdf", sandbox.pdf(demo, signed, "zip"))},
    )
    elsewhere = host_client(org_a.host).get(f"/c/{invitation.token}/done/").content.decode()
    assert "Dose 2 of 2" not in elsewhere and "Fully vaccinated" not in elsewhere


def test_the_organizations_setting_decides_the_ways_offered(org_a, settings):
    invitation, browser = _consented(org_a)
    alpha = Organization.objects.get(slug="alpha")
    for methods, landing, absent in (
        (VerificationMethods.CERTIFICATE, "certificate", "details"),
        (VerificationMethods.OTP, "details", "certificate"),
    ):
        alpha.verification_methods = methods
        alpha.save(update_fields=["verification_methods"])
        assert browser.get(f"/c/{invitation.token}/")["Location"] == f"/c/{invitation.token}/{landing}/"
        assert (
            browser.get(f"/c/{invitation.token}/verify/")["Location"] == f"/c/{invitation.token}/{landing}/"
        )
        assert (
            browser.get(f"/c/{invitation.token}/{absent}/")["Location"] == f"/c/{invitation.token}/{landing}/"
        )
    # No KYC-VS partner key in this deployment: certificates only, whatever the setting says.
    settings.KYCVS_API_KEY = ""
    assert browser.get(f"/c/{invitation.token}/")["Location"] == f"/c/{invitation.token}/certificate/"
    assert "Choose another way" not in browser.get(f"/c/{invitation.token}/certificate/").content.decode()


def test_another_organizations_token_is_not_found_on_the_certificate_page(org_a, org_b):
    invitation = invited(org_b)
    for path in ("verify/", "certificate/"):
        assert host_client(org_a.host).get(f"/c/{invitation.token}/{path}").status_code == 404


def test_the_camera_scan_field_refuses_what_is_not_base64(org_a):
    invitation, browser = _consented(org_a)
    response = browser.post(f"/c/{invitation.token}/certificate/", {"qr": "not base64!!"})
    assert response.status_code == 200 and "camera scan did not come through" in response.content.decode()
    assert dataclasses.is_dataclass(_demo()[0])
