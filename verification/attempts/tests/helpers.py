"""What the attempts' tests share (not a test file): the sandbox's call counts, and an OTP
submitted the way the web submits it, without a message to any worker."""

from __future__ import annotations

import httpx
from django.utils import timezone
from django_tenants.utils import schema_context

from verification.attempts.worker import attempt_send_otp
from verification.models import VerificationAttempt

State = VerificationAttempt.State


def provider_stats(sandbox) -> dict[str, int]:  # type: ignore[no-untyped-def]
    response = httpx.get(f"{sandbox.url}/sandbox/control/stats", headers={"x-api-key": sandbox.api_key})
    return response.json()["stats"]


def submit_right_otp(sandbox, org, attempt: VerificationAttempt, mobile: str) -> None:  # type: ignore[no-untyped-def]
    """As the web would, but without any message to a worker: the OTP is on the row."""
    with schema_context(org.schema_name):
        assert attempt_send_otp(attempt_id=attempt.pk) is None
        VerificationAttempt.objects.filter(pk=attempt.pk).update(
            state=State.OTP_SUBMITTED, otp_submitted_at=timezone.now(), next_action_at=timezone.now()
        )
        row = VerificationAttempt.objects.get(pk=attempt.pk)
        row.otp = sandbox.last_otp(mobile)
        row.save(update_fields=["otp"])
