"""The employee's whole journey with a real Celery worker and the sandbox over HTTP:
invitation e-mail -> consent -> details -> OTP from the SMS inbox -> signed status.

Data here is committed (the worker is another process), so each test cleans up its employees
(the ``journey`` fixture, verification/conftest.py).
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from portal.testing import host_client
from verification.models import (
    AuditEvent,
    Consent,
    Invitation,
    Progress,
    StatusRecord,
    VerificationAttempt,
)

pytestmark = [pytest.mark.worker]
State = VerificationAttempt.State


@pytest.mark.parametrize(
    "mobile, name, status, label",
    [
        ("9000000001", "Ravi Kumar", 2, "Fully vaccinated"),
        ("9000000011", "Imran Khan", 1, "Partially vaccinated"),
        ("9000000021", "Sunil Das", 0, "Not vaccinated"),
    ],
)
def test_each_status_end_to_end(journey, mobile, name, status, label):
    employee = journey.employee(mobile, name)
    token = journey.invite(employee)
    page = journey.verify(token, mobile, name)
    assert label in page

    row = journey.employee_row(employee)
    assert (row.progress, row.vaccination_status) == (Progress.VERIFIED, status)
    with schema_context(journey.org.schema_name):
        record = StatusRecord.objects.get(employee=employee)
        assert record.status == status and record.evidence.count(".") == 2
        attempt = record.attempt
        assert attempt.otp is None and attempt.token is None  # nothing of the person left in flight
        assert Invitation.objects.get(employee=employee).used_at is not None
        actions = list(
            AuditEvent.objects.filter(employee_id=employee.pk)
            .order_by("at", "id")
            .values_list("action", flat=True)
        )
        assert actions[:2] == ["employee.created", "invitation.created"]
        for action in (
            "invitation.sent",
            "invitation.opened",
            "consent.given",
            "otp.sent",
            "otp.submitted",
            "verification.succeeded",
        ):
            assert action in actions
    receipt = journey.wait(
        lambda: [
            m for m in journey.sandbox.inbox(to=employee.email, kind="email") if "shared" in m["subject"]
        ]
    )
    assert token in receipt[0]["text"]  # the receipt carries the link, to withdraw later
    assert label not in receipt[0]["text"]  # but not the status itself

    # Nothing personal in Celery messages, worker logs or the audit trail.
    otps = [m["text"][:6] for m in journey.sandbox.inbox(to=f"+91{mobile}", kind="sms")]
    worker_log = journey.worker.log()
    with schema_context(journey.org.schema_name):
        audit = str(list(AuditEvent.objects.filter(employee_id=employee.pk).values_list("data", flat=True)))
    for secret in (mobile, name, employee.email, token, *otps):
        assert secret not in worker_log
        assert secret not in audit


def test_the_number_on_file_is_the_default_and_gets_the_sms(journey):
    employee = journey.employee("9000000001", "Ravi Kumar")
    token = journey.invite(employee)
    journey.client.get(f"/c/{token}/")
    journey.client.post(f"/c/{token}/agree/", {"agree": "on"})
    details = journey.client.get(f"/c/{token}/details/").content.decode()
    assert "The number on file, ending in 0001" in details and "9000000001" not in details
    # Confirmed without typing it; what is in the other box is not used.
    response = journey.client.post(
        f"/c/{token}/details/", {"full_name": "Ravi Kumar", "number": "on_file", "mobile": "9000000002"}
    )
    assert response["Location"] == f"/c/{token}/otp/"
    journey.wait_panel(token, State.OTP_SENT)
    assert journey.sandbox.inbox(to="+919000000001", kind="sms")
    assert not journey.sandbox.inbox(to="+919000000002", kind="sms")
    journey.submit_otp(token, journey.sandbox.last_otp("9000000001"))
    assert journey.wait_panel(token, "redirect:").endswith("/done/")
    row = journey.employee_row(employee)
    assert (row.progress, row.vaccination_status) == (Progress.VERIFIED, 2)


def test_another_number_keeps_the_one_on_file_and_counts_once_hr_approves(journey):
    from portal.testing import signed_in

    employee = journey.employee("9000000099", "Ravi  Kumar")
    token = journey.invite(employee)
    page = journey.verify(token, "9000000001", "RAVI KUMAR", number="other")
    assert "Fully vaccinated" in page and 'data-review="pending"' in page
    assert journey.sandbox.inbox(to="+919000000001", kind="sms")  # the OTP went to the number typed
    assert not journey.sandbox.inbox(to="+919000000099", kind="sms")
    row = journey.employee_row(employee)
    # The number and the name on file stay; the status waits for HR.
    assert row.mobile == "+919000000099" and row.mobile_last4 == "0099" and row.full_name == "Ravi Kumar"
    assert (row.progress, row.vaccination_status) == (Progress.AWAITING_REVIEW, None)
    with schema_context(journey.org.schema_name):
        attempt = VerificationAttempt.objects.get(employee=employee)
        assert attempt.mobile_changed and attempt.review == VerificationAttempt.Review.PENDING
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT mobile FROM verification_employee WHERE id = %s", [employee.pk])
            stored = cursor.fetchone()[0]
    assert "9000000099" not in stored  # encrypted at rest
    journey.wait(
        lambda: [
            m for m in journey.sandbox.inbox(to=employee.email, kind="email") if "review" in m["subject"]
        ]
    )

    hr = signed_in(journey.org)
    assert "Number changed by the employee" in hr.get(f"/employees/{employee.pk}/").content.decode()
    assert hr.post(f"/employees/review/{attempt.pk}/approve/").status_code == 302
    row = journey.employee_row(employee)
    assert (row.progress, row.vaccination_status) == (Progress.VERIFIED, 2)
    receipt = journey.wait(
        lambda: [
            m for m in journey.sandbox.inbox(to=employee.email, kind="email") if "accepted" in m["subject"]
        ]
    )
    assert "Fully vaccinated" not in receipt[0]["text"]


def test_hr_rejects_a_changed_number_and_the_status_is_erased(journey):
    from portal.testing import signed_in

    employee = journey.employee("9000000099", "Imran Khan")
    token = journey.invite(employee)
    journey.verify(token, "9000000011", "Imran Khan", number="other")
    with schema_context(journey.org.schema_name):
        attempt = VerificationAttempt.objects.get(employee=employee)
    assert signed_in(journey.org).post(f"/employees/review/{attempt.pk}/reject/").status_code == 302
    row = journey.employee_row(employee)
    assert (row.progress, row.vaccination_status) == (Progress.FAILED, None)
    with schema_context(journey.org.schema_name):
        assert not StatusRecord.objects.filter(employee=employee).exists()
        assert VerificationAttempt.objects.get(pk=attempt.pk).mobile is None
    receipt = journey.wait(
        lambda: [
            m
            for m in journey.sandbox.inbox(to=employee.email, kind="email")
            if "could not confirm" in m["subject"]
        ]
    )
    assert "erased" in receipt[0]["text"]
    assert "could not confirm" in journey.client.get(f"/c/{token}/details/").content.decode()


def test_a_name_not_on_file_with_another_number_sends_nothing(journey):
    employee = journey.employee("9000000099", "Ravi Kumar")
    token = journey.invite(employee)
    journey.client.get(f"/c/{token}/")
    journey.client.post(f"/c/{token}/agree/", {"agree": "on"})
    response = journey.client.post(
        f"/c/{token}/details/", {"full_name": "Priya Sharma", "number": "other", "mobile": "9000000002"}
    )
    assert response.status_code == 200 and "enter your name as it is on file" in response.content.decode()
    time.sleep(1.5)  # were anything queued, the worker would have sent it by now
    assert not journey.sandbox.inbox(to="+919000000002", kind="sms")
    assert not journey.sandbox.inbox(kind="sms", to="+919000000099")
    with schema_context(journey.org.schema_name):
        assert not VerificationAttempt.objects.filter(employee=employee).exists()


def test_decline_is_recorded_and_the_link_stops_working(journey):
    employee = journey.employee("9000000002", "Priya Sharma")
    token = journey.invite(employee)
    assert journey.client.post(f"/c/{token}/decline/")["Location"] == f"/c/{token}/"
    page = journey.client.get(f"/c/{token}/").content.decode()
    assert "You declined" in page
    # the link can no longer be used to consent
    assert journey.client.post(f"/c/{token}/agree/", {"agree": "on"})["Location"] == f"/c/{token}/"
    with schema_context(journey.org.schema_name):
        assert [c.decision for c in Consent.objects.filter(employee=employee)] == ["declined"]
    assert journey.employee_row(employee).progress == Progress.DECLINED
    journey.wait(
        lambda: [
            m for m in journey.sandbox.inbox(to=employee.email, kind="email") if "declined" in m["subject"]
        ]
    )


def test_withdraw_erases_status_and_evidence(journey):
    employee = journey.employee("9000000003", "Anjali Gupta")
    token = journey.invite(employee)
    journey.verify(token, "9000000003", "Anjali Gupta")

    assert "Withdraw your consent" in journey.client.get(f"/c/{token}/withdraw/").content.decode()
    assert journey.client.post(f"/c/{token}/withdraw/").status_code == 302
    page = journey.client.get(f"/c/{token}/").content.decode()
    assert "You have withdrawn your consent" in page

    row = journey.employee_row(employee)
    assert (row.progress, row.vaccination_status, row.status_verified_at) == (Progress.WITHDRAWN, None, None)
    with schema_context(journey.org.schema_name):
        assert not StatusRecord.objects.filter(employee=employee).exists()
        assert not VerificationAttempt.objects.filter(employee=employee, mobile__isnull=False).exists()
        withdrawn = AuditEvent.objects.get(employee_id=employee.pk, action="consent.withdrawn")
        assert withdrawn.data["status_records_erased"] == 1
    receipt = journey.wait(
        lambda: [
            m for m in journey.sandbox.inbox(to=employee.email, kind="email") if "withdrew" in m["subject"]
        ]
    )
    assert "erased" in receipt[0]["text"]


def test_a_new_otp_gets_every_try_again(journey, settings):
    settings.KYCVS_SANDBOX_RESEND_COOLDOWN_S = 1  # the sandbox's; ours is skipped below
    employee = journey.employee("9000000012", "Lakshmi Iyer")
    token = journey.invite(employee)
    journey.consent_and_send_otp(token, "9000000012", "Lakshmi Iyer")
    journey.wait_panel(token, State.OTP_SENT)

    def wrong(otp: str, state: str = State.OTP_SENT) -> str:
        journey.submit_otp(token, f"{(int(otp) + 1) % 10**6:06d}")

        def answered() -> str | None:
            current, html = journey.panel(token)
            rejected = "not right" in html or "expired" in html.lower() or "no longer" in html
            return html if current == state and rejected else None

        return journey.wait(answered)

    first = journey.sandbox.last_otp("9000000012")
    assert "2 more tries" in wrong(first)
    assert "1 more try" in wrong(first)
    wrong(first, State.EXPIRED)  # the third wrong try ends this OTP
    with schema_context(journey.org.schema_name):
        VerificationAttempt.objects.filter(employee=employee).update(retry_after=timezone.now())
    time.sleep(1.1)
    assert journey.client.post(f"/c/{token}/resend/").status_code == 302
    journey.wait(lambda: journey.sandbox.last_otp("9000000012") != first)
    journey.wait_panel(token, State.OTP_SENT)
    second = journey.sandbox.last_otp("9000000012")
    # The new OTP has all its tries (before the fix: the first wrong one ended it).
    assert "2 more tries" in wrong(second)
    assert "1 more try" in wrong(second)
    journey.submit_otp(token, second)
    assert journey.wait_panel(token, "redirect:").endswith("/done/")
    assert journey.employee_row(employee).vaccination_status == 1


def test_too_many_wrong_otps_in_a_day_lock_the_link_until_hr_re_invites(journey, settings):
    from portal.testing import signed_in
    from verification.invitations.selectors import access_invitation

    employee = journey.employee("9000000021", "Sunil Das")
    token = journey.invite(employee)
    journey.consent_and_send_otp(token, "9000000021", "Sunil Das")
    journey.wait_panel(token, State.OTP_SENT)
    with schema_context(journey.org.schema_name):
        invitation = access_invitation(token)
        # Nine wrong OTPs on this link today (three OTPs' worth). Those before this invitation
        # was made, or more than 24 hours ago, do not count.
        now = timezone.now()
        for at in [invitation.created_at] * 9 + [
            invitation.created_at - timedelta(minutes=5),
            now - timedelta(hours=25),
        ]:
            AuditEvent.objects.create(
                action="otp.rejected",
                actor_kind="system",
                employee_id=employee.pk,
                at=at,
                data={"attempt_id": 0, "tries_left": 0},
            )
    real = journey.sandbox.last_otp("9000000021")
    journey.submit_otp(token, f"{(int(real) + 1) % 10**6:06d}")  # the tenth of the day
    journey.wait(lambda: journey.client.get(f"/c/{token}/").status_code == 403)
    body = journey.client.get(f"/c/{token}/").content.decode()
    assert "Too many wrong codes were entered" in body and "ask your HR team for a new link" in body
    assert f'href="/c/{token}/withdraw/"' in body  # withdrawal still works
    with schema_context(journey.org.schema_name):
        attempt = VerificationAttempt.objects.get(employee=employee)
        assert (attempt.state, attempt.error_code) == (State.FAILED, "too_many_wrong_otps")
        assert Invitation.objects.get(pk=invitation.pk).otp_locked_at is not None
        assert AuditEvent.objects.filter(action="verification.locked", employee_id=employee.pk).exists()
    # Not even the right OTP, a new OTP or new details get through now.
    assert journey.client.post(f"/c/{token}/otp/", {"otp": real})["Location"] == f"/c/{token}/"
    assert journey.client.post(f"/c/{token}/resend/")["Location"] == f"/c/{token}/otp/"
    assert journey.client.get(f"/c/{token}/details/")["Location"] == f"/c/{token}/"
    assert journey.employee_row(employee).progress == Progress.FAILED
    hr = signed_in(journey.org)
    detail = hr.get(f"/employees/{employee.pk}/").content.decode()
    assert "too many wrong OTPs within 24 hours" in detail and "send a new invitation" in detail
    assert journey.client.get(f"/c/{token}/withdraw/").status_code == 200

    # HR re-invites: the new link may verify (the day's count starts again for it).
    assert hr.post(f"/employees/{employee.pk}/invite/").status_code == 302
    new_token = journey.wait(
        lambda: next(
            (
                m["text"]
                for m in journey.sandbox.inbox(to=employee.email, kind="email")
                if "/c/" in m["text"] and token not in m["text"]
            ),
            None,
        )
    )
    new = re.search(r"/c/([\w-]+)/", new_token)
    assert new and new.group(1) != token
    fresh = host_client(journey.org.host)
    fresh.get(f"/c/{new.group(1)}/")
    assert (
        fresh.post(f"/c/{new.group(1)}/agree/", {"agree": "on"})["Location"] == f"/c/{new.group(1)}/verify/"
    )
    assert fresh.get(f"/c/{new.group(1)}/details/").status_code == 200


def test_another_browser_with_the_link_sees_no_status_and_its_withdrawal_receipt_goes_to_the_address_on_file(
    journey,
):
    employee = journey.employee("9000000003", "Anjali Gupta")
    token = journey.invite(employee)
    assert "Fully vaccinated" in journey.verify(token, "9000000003", "Anjali Gupta")
    forwarded = host_client(journey.org.host)  # someone the e-mail was forwarded to
    for path in ("done/", "my-data/"):
        body = forwarded.get(f"/c/{token}/{path}").content.decode()
        assert "Fully vaccinated" not in body and "Anjali Gupta" not in body and employee.email not in body
    # They can ask for a code, but it goes to the employee's own address.
    assert forwarded.post(f"/c/{token}/code/send/", {"next": "done"}).status_code == 302
    code_mail = journey.wait(
        lambda: [
            m
            for m in journey.sandbox.inbox(to=employee.email, kind="email")
            if "one-time code" in m["subject"]
        ]
    )
    assert re.search(r"\b\d{6}\b", code_mail[0]["text"])
    # Withdrawal needs no code; the receipt goes to the address on file.
    assert forwarded.post(f"/c/{token}/withdraw/").status_code == 302
    receipt = journey.wait(
        lambda: [
            m for m in journey.sandbox.inbox(to=employee.email, kind="email") if "withdrew" in m["subject"]
        ]
    )
    assert receipt[0]["to"] == employee.email
    assert journey.employee_row(employee).progress == Progress.WITHDRAWN


def test_wrong_otp_then_right(journey):
    employee = journey.employee("9000000012", "Lakshmi Iyer")
    token = journey.invite(employee)
    journey.consent_and_send_otp(token, "9000000012", "Lakshmi Iyer")
    journey.wait_panel(token, State.OTP_SENT)
    real = journey.sandbox.last_otp("9000000012")
    journey.submit_otp(token, f"{(int(real) + 1) % 10**6:06d}")

    def rejected() -> str | None:
        state, html = journey.panel(token)
        return html if state == State.OTP_SENT and "not right" in html else None

    html = journey.wait(rejected)
    assert "2 more tries" in html
    journey.submit_otp(token, real)
    assert journey.wait_panel(token, "redirect:").endswith("/done/")
    assert journey.employee_row(employee).vaccination_status == 1


def test_expired_otp_offers_a_new_one(journey, settings):
    settings.KYCVS_SANDBOX_OTP_TTL_S = 1  # the sandbox (served from this process) expires it fast
    employee = journey.employee("9000000022", "Meera Nair")
    token = journey.invite(employee)
    journey.consent_and_send_otp(token, "9000000022", "Meera Nair")
    journey.wait_panel(token, State.OTP_SENT)
    otp = journey.sandbox.last_otp("9000000022")
    time.sleep(1.3)
    journey.submit_otp(token, otp)
    html = journey.wait_panel(token, State.EXPIRED)
    assert "expired" in html.lower()
    assert re.search(r'data-countdown="\d+">\d:\d\d<', html)  # resend cooldown shown, counting down


def test_expired_link(journey):
    employee = journey.employee("9000000001", "Ravi Kumar")
    token = journey.invite(employee)
    with schema_context(journey.org.schema_name):
        Invitation.objects.filter(employee=employee).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = journey.client.get(f"/c/{token}/")
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert journey.client.post(f"/c/{token}/agree/", {"agree": "on"})["Location"] == f"/c/{token}/"
    with schema_context(journey.org.schema_name):
        assert not Consent.objects.filter(employee=employee).exists()


def test_reused_link_after_finishing_shows_the_result_not_the_notice(journey):
    employee = journey.employee("9000000001", "Ravi Kumar")
    token = journey.invite(employee)
    journey.verify(token, "9000000001", "Ravi Kumar")
    response = journey.client.get(f"/c/{token}/")
    assert response["Location"] == f"/c/{token}/done/"
    journey.client.post(f"/c/{token}/agree/", {"agree": "on"})
    journey.client.post(f"/c/{token}/details/", {"mobile": "9000000001", "full_name": "Ravi Kumar"})
    with schema_context(journey.org.schema_name):
        assert Consent.objects.filter(employee=employee).count() == 1
        assert VerificationAttempt.objects.filter(employee=employee).count() == 1


def test_tampered_and_cross_tenant_tokens_are_not_found(journey, org_b):
    employee = journey.employee("9000000001", "Ravi Kumar")
    token = journey.invite(employee)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for client, path in (
        (journey.client, f"/c/{tampered}/"),
        (host_client(org_b.host), f"/c/{token}/"),  # a real token, on another organization's site
        (host_client(org_b.host), f"/c/{token}/withdraw/"),
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
    with schema_context(journey.org.schema_name):
        assert Invitation.objects.get(employee=employee).opened_at is None
