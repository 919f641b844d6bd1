"""Verifying with a CoWIN certificate (attempts.certificate): what is stored, what counts, what
waits for HR's review, and what is refused with nothing stored. The certificates are the
sandbox's (signed with its key, trusted where the sandbox runs) or signed here with a key
nobody trusts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import connection
from django_tenants.utils import schema_context

from verification.attempts.certificate import CertificateNotAccepted, attempt_certificate_verify
from verification.attempts.steps import StepRefused
from verification.audit import AuditAction
from verification.consent.services import consent_withdraw
from verification.errors import ErrorCode
from verification.models import AuditEvent, Employee, Method, Progress, StatusRecord, VerificationAttempt
from verification.privacy.retention import retention_erase
from verification.providers.certificate.proof import sign_credential
from verification.providers.sandbox import certificates as sandbox
from verification.review.services import verification_review_approve, verification_review_reject
from verification.tests.factories import ConsentFactory

pytestmark = pytest.mark.django_db
Review = VerificationAttempt.Review


def _pdf(mobile: str = "9000000001") -> bytes:
    demo = sandbox.demo_certificate(mobile)
    assert demo is not None
    return sandbox.pdf(demo, sandbox.sign(demo), "zip")


def _consent(org, name: str = "Ravi Kumar"):  # type: ignore[no-untyped-def]
    return ConsentFactory.create(org=org, invitation__employee__full_name=name)


def _verify(consent, data: bytes) -> VerificationAttempt:  # type: ignore[no-untyped-def]
    return attempt_certificate_verify(consent=consent, data=data, submitter="s" * 64, ip="203.0.113.9")


def test_a_certificate_whose_name_matches_counts_with_its_doses_and_its_evidence_encrypted(org_a):
    with schema_context(org_a.schema_name):
        consent = _consent(org_a)
        attempt = _verify(consent, _pdf())
        assert (attempt.method, attempt.state, attempt.review) == (Method.CERTIFICATE, "verified", "")
        employee = Employee.objects.get(pk=consent.employee_id)
        assert (employee.progress, employee.vaccination_status, employee.status_method) == (
            Progress.VERIFIED,
            2,
            Method.CERTIFICATE,
        )
        assert (employee.status_dose, employee.status_total_doses, employee.status_vaccine) == (
            2,
            2,
            "COVISHIELD",
        )
        assert str(employee.status_last_dose_on) == "2021-08-09"
        record = StatusRecord.objects.get(attempt=attempt)
        assert record.method == Method.CERTIFICATE and b'"credentialSubject"' in record.evidence.encode()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT evidence, certificate_digest FROM verification_statusrecord WHERE id = %s",
                [record.pk],
            )
            stored, digest = cursor.fetchone()
        # Encrypted at rest; the certificate id only as a keyed digest.
        assert stored.startswith("gAAAA") and "Ravi" not in stored and "71534902861" not in stored
        assert len(digest) == 64 and "71534902861" not in digest
        event = AuditEvent.objects.get(action=AuditAction.VERIFICATION_SUCCEEDED, employee_id=employee.pk)
        assert event.data["method"] == "certificate" and not event.data["awaiting_review"]
        # The trail holds neither the status nor the doses (they are erased with the status).
        assert "dose" not in str(event.data) and "COVISHIELD" not in str(event.data)


def test_a_partial_and_a_precaution_certificate(org_a):
    with schema_context(org_a.schema_name):
        partial = _verify(_consent(org_a, "Imran Khan"), _pdf("9000000011"))
        precaution = _verify(_consent(org_a, "Priya Sharma"), _pdf("9000000002"))
        assert StatusRecord.objects.get(attempt=partial).status == 1
        record = StatusRecord.objects.get(attempt=precaution)
        assert (record.status, record.dose, record.total_doses) == (2, 3, 2)


def test_another_name_waits_for_review_then_counts_once_approved(org_a):
    with schema_context(org_a.schema_name):
        consent = _consent(org_a, "Lakshmi Venkatesh")
        attempt = _verify(consent, _pdf("9000000012"))  # the certificate says "Laxmi Iyer"
        assert (attempt.review, attempt.review_reason) == (Review.PENDING, "name_mismatch")
        employee = Employee.objects.get(pk=consent.employee_id)
        assert (employee.progress, employee.vaccination_status, employee.status_method) == (
            Progress.AWAITING_REVIEW,
            None,
            "",
        )
        assert StatusRecord.objects.filter(attempt=attempt).exists()  # kept as evidence
        assert verification_review_approve(attempt=attempt, actor=None)
        employee.refresh_from_db()
        assert (employee.progress, employee.vaccination_status, employee.status_method) == (
            Progress.VERIFIED,
            1,
            Method.CERTIFICATE,
        )


def test_a_spelling_of_the_name_on_file_counts_at_once(org_a):
    with schema_context(org_a.schema_name):
        attempt = _verify(_consent(org_a, "Lakshmi Iyer"), _pdf("9000000012"))  # "Laxmi Iyer"
        assert attempt.review == ""


def test_rejecting_a_certificate_erases_it(org_a):
    with schema_context(org_a.schema_name):
        consent = _consent(org_a, "Someone Else")
        attempt = _verify(consent, _pdf())
        assert verification_review_reject(attempt=attempt, actor=None)
        assert not StatusRecord.objects.filter(attempt=attempt).exists()
        employee = Employee.objects.get(pk=consent.employee_id)
        assert (employee.progress, employee.vaccination_status, employee.status_dose) == (
            Progress.FAILED,
            None,
            None,
        )


def test_one_certificate_verifies_one_employee_of_the_organization(org_a, org_b):
    data = _pdf()
    with schema_context(org_a.schema_name):
        _verify(_consent(org_a), data)
        other = _consent(org_a)
        with pytest.raises(CertificateNotAccepted) as refused:
            _verify(other, data)
        assert refused.value.code == ErrorCode.CERTIFICATE_IN_USE
        assert not VerificationAttempt.objects.filter(employee_id=other.employee_id).exists()
        assert AuditEvent.objects.get(
            action=AuditAction.CERTIFICATE_REFUSED, employee_id=other.employee_id
        ).data == {"reason": "certificate_in_use"}
    with schema_context(org_b.schema_name):
        # Another organization is another world: its employee may use the same certificate.
        assert _verify(_consent(org_b), data).state == "verified"


def test_a_certificate_nobody_trusts_is_refused_and_nothing_is_stored(org_a):
    demo = sandbox.demo_certificate("9000000001")
    assert demo is not None
    forged = sign_credential(
        sandbox.credential(demo),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        created=datetime(2021, 8, 9, 6, 0, tzinfo=UTC),
    )
    with schema_context(org_a.schema_name):
        consent = _consent(org_a)
        for data, reason in (
            (sandbox.certificate_json(forged), "signature_invalid"),
            (b"%PDF-1.4 nothing", None),
        ):
            with pytest.raises(CertificateNotAccepted) as refused:
                _verify(consent, data)
            assert refused.value.message
            if reason:
                assert refused.value.code == reason
        assert not VerificationAttempt.objects.filter(employee_id=consent.employee_id).exists()
        assert not StatusRecord.objects.filter(employee_id=consent.employee_id).exists()
        reasons = list(
            AuditEvent.objects.filter(action=AuditAction.CERTIFICATE_REFUSED, employee_id=consent.employee_id)
            .order_by("id")
            .values_list("data", flat=True)
        )
        assert len(reasons) == 2 and all(set(r) == {"reason"} for r in reasons)


def test_uploads_are_limited_per_employee(org_a, settings):
    settings.CERTIFICATE_UPLOADS_RATE = "2/hour"
    with schema_context(org_a.schema_name):
        consent = _consent(org_a)
        for _ in range(2):
            with pytest.raises(CertificateNotAccepted):
                _verify(consent, b"not a certificate")
        with pytest.raises(StepRefused) as refused:
            _verify(consent, _pdf())
        assert refused.value.code == ErrorCode.CERTIFICATE_LIMIT


def test_withdrawal_and_retention_erase_the_certificate_and_its_details(org_a):
    with schema_context(org_a.schema_name):
        consent = _consent(org_a)
        _verify(consent, _pdf())
        consent_withdraw(consent=consent, ip=None, user_agent="")
        employee = Employee.objects.get(pk=consent.employee_id)
        assert not StatusRecord.objects.filter(employee=employee).exists()
        assert (
            employee.status_method,
            employee.status_dose,
            employee.status_vaccine,
            employee.status_last_dose_on,
        ) == (
            "",
            None,
            "",
            None,
        )
        # The certificate can be used again (its digest went with the record).
        assert _verify(_consent(org_a), _pdf()).state == "verified"
        assert retention_erase() >= 0
