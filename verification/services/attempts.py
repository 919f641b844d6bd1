"""Verification attempts: the employee's steps (from the web) and the workers' steps.

The attempt row is the truth. A worker step locks or atomically claims the row before it
calls the provider, so a task delivered twice (late acks, a redelivery after a lost worker,
the sweep) never sends two OTPs for one request, never confirms one OTP twice and never
stores a second status record. Retryable provider errors are retried with backoff and jitter,
but never past the OTP's (or the token's) life.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from verification import events, ratelimit
from verification.errors import ErrorCode
from verification.models import (
    Consent,
    Employee,
    Invitation,
    Progress,
    StatusRecord,
    VerificationAttempt,
)
from verification.names import names_match
from verification.phones import national, normalize_indian_mobile
from verification.providers import get_provider
from verification.providers.base import (
    BadSignature,
    InvalidRequest,
    NotFound,
    OtpExpired,
    ProviderError,
    RateLimited,
    ResendTooSoon,
    TokenExpired,
    UpstreamUnavailable,
    WrongOtp,
)

logger = logging.getLogger(__name__)
State = VerificationAttempt.State

# How long a worker waits for a slot of the provider's quota before rescheduling instead.
PROVIDER_SLOT_WAIT_S = 20


class StepRefused(Exception):
    """The employee asked for something the attempt's state or the limits do not allow."""

    def __init__(self, code: ErrorCode, retry_after_s: int | None = None) -> None:
        self.code = code
        self.retry_after_s = retry_after_s
        super().__init__(code.value)


@dataclass(frozen=True)
class Retry:
    """Run the step again after ``delay_s`` (the attempt's next_action_at says the same)."""

    delay_s: float


def backoff_delay(retries: int) -> float:
    """Exponential backoff with full jitter: 1 s, 2 s, 4 s ... capped at 60 s."""
    cap = min(60.0, 2.0**retries)
    return max(0.5, random.uniform(cap / 2, cap))  # noqa: S311 - jitter, not security


# --- the employee's steps (web) ----------------------------------------------------------


def attempt_current(consent: Consent) -> VerificationAttempt | None:
    return consent.attempts.order_by("-created_at", "-pk").first()


def _enqueue(task_name: str, attempt: VerificationAttempt) -> None:
    from verification import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(attempt.pk))


def _check_not_locked(invitation: Invitation) -> None:
    if invitation.otp_locked_at is not None:
        raise StepRefused(ErrorCode.TOO_MANY_WRONG_OTPS)


def attempt_start(
    *, consent: Consent, full_name: str, ip: str | None, mobile: str | None = None
) -> VerificationAttempt:
    """Start verifying: CoWIN is asked (by a worker) to send an OTP to a mobile number, with
    ``full_name`` as the name registered there.

    The number is the one on file when ``mobile`` is None or the same number. Any other number
    is recorded on the attempt as changed by the employee, never on the employee's record,
    and is allowed only if ``full_name`` matches the name on file (verification.names); a
    status verified through it awaits HR's review before it counts. Nothing on the employee's
    record changes either way.

    Raises StepRefused: NAME_MISMATCH (another number, another name: nothing is sent),
    NO_MOBILE_ON_FILE (``mobile`` None and none on file), TOO_MANY_WRONG_OTPS (the link is
    locked), SEND_LIMIT, FAILED (consent no longer active).
    """
    name = " ".join(full_name.split())
    on_file = Employee.objects.get(pk=consent.employee_id)
    e164 = normalize_indian_mobile(mobile) if mobile else on_file.mobile
    if not e164:
        raise StepRefused(ErrorCode.NO_MOBILE_ON_FILE)
    mobile_changed = e164 != on_file.mobile
    verdict = ""
    if mobile_changed:
        match = names_match(on_file.full_name, name)
        verdict = match.reason.value
        if not match:
            events.details_refused(on_file, ip=ip, reason=f"name_mismatch:{verdict}")
            raise StepRefused(ErrorCode.NAME_MISMATCH)
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update(of=("self",))
            .select_related("employee", "invitation")
            .get(pk=consent.pk)
        )
        if not consent.is_active:
            raise StepRefused(ErrorCode.FAILED)
        current = attempt_current(consent)
        if current is not None and not current.is_terminal:
            return current  # a double submit: keep the attempt under way
        employee = consent.employee
        if employee.mobile != on_file.mobile or employee.full_name != on_file.full_name:
            raise StepRefused(ErrorCode.FAILED)  # HR changed the record meanwhile: start again
        _check_not_locked(consent.invitation)
        if not ratelimit.otp_send_allowed(consent.employee_id):
            raise StepRefused(ErrorCode.SEND_LIMIT)
        Employee.objects.filter(pk=employee.pk).update(progress=Progress.CONSENTED)
        attempt = VerificationAttempt.objects.create(
            employee=employee,
            consent=consent,
            mobile=e164,
            full_name=name,
            mobile_changed=mobile_changed,
            next_action_at=timezone.now(),
        )
        events.details_confirmed(attempt, ip=ip, name_match=verdict)
        events.otp_requested(attempt, ip=ip)
        _enqueue("attempt_send_otp_task", attempt)
    return attempt


def attempt_resend(*, attempt: VerificationAttempt, ip: str | None) -> VerificationAttempt:
    """Ask for a new OTP (after the cooldown, within the hourly limit)."""
    with transaction.atomic():
        # Only the attempt's row is locked (as before); the invitation is read for its lock.
        attempt = (
            VerificationAttempt.objects.select_for_update(of=("self",))
            .select_related("consent__invitation")
            .get(pk=attempt.pk)
        )
        if attempt.state not in (State.OTP_SENT, State.EXPIRED):
            raise StepRefused(ErrorCode.FAILED)
        _check_not_locked(attempt.consent.invitation)
        now = timezone.now()
        if attempt.retry_after and attempt.retry_after > now:
            raise StepRefused(
                ErrorCode.RESEND_TOO_SOON, retry_after_s=int((attempt.retry_after - now).total_seconds()) + 1
            )
        if not ratelimit.otp_send_allowed(attempt.employee_id):
            raise StepRefused(ErrorCode.SEND_LIMIT)
        attempt.state = State.CREATED
        attempt.txn_id = ""
        attempt.otp = None
        attempt.confirm_started_at = None
        attempt.error_code = ""
        attempt.retries = 0
        attempt.next_action_at = now
        attempt.save()
        events.otp_requested(attempt, ip=ip)
        _enqueue("attempt_send_otp_task", attempt)
    return attempt


def attempt_submit_otp(
    *, attempt: VerificationAttempt, otp: str, ip: str | None, submitter: str = ""
) -> VerificationAttempt:
    """Hand the OTP the employee typed to a worker (kept encrypted until it is confirmed).

    ``submitter`` (a digest the submitting browser session can prove, see
    services.employee_access) is recorded: if this OTP verifies, that session may see the
    result.
    """
    otp = otp.strip()
    with transaction.atomic():
        # Only the attempt's row is locked (as before); the invitation is read for its lock.
        attempt = (
            VerificationAttempt.objects.select_for_update(of=("self",))
            .select_related("consent__invitation")
            .get(pk=attempt.pk)
        )
        if attempt.state != State.OTP_SENT:
            raise StepRefused(ErrorCode.OTP_EXPIRED if attempt.state == State.EXPIRED else ErrorCode.FAILED)
        _check_not_locked(attempt.consent.invitation)
        now = timezone.now()
        if attempt.otp_expires_at and attempt.otp_expires_at <= now:
            _expire(attempt, reason="otp_expired")
            raise StepRefused(ErrorCode.OTP_EXPIRED)
        attempt.otp = otp
        attempt.otp_submitter = submitter
        attempt.otp_submitted_at = now
        attempt.state = State.OTP_SUBMITTED
        attempt.confirm_started_at = None
        attempt.error_code = ""
        attempt.retries = 0
        attempt.next_action_at = now
        attempt.save()
        events.otp_submitted(attempt, ip=ip)
        _enqueue("attempt_confirm_otp_task", attempt)
    return attempt


# --- state changes shared by the steps -----------------------------------------------------


def wrong_otps_recent(invitation: Invitation) -> int:
    """Wrong OTPs entered for the invitation's employee in the last 24 hours, since this
    invitation was made (a new invitation from HR starts the count again). Counted from the
    audit trail's otp.rejected events: in the database, and append-only."""
    from verification.models import AuditEvent

    since = max(timezone.now() - timedelta(hours=24), invitation.created_at)
    return AuditEvent.objects.filter(
        employee_id=invitation.employee_id, action="otp.rejected", at__gte=since
    ).count()


def _lock_if_too_many_wrong(attempt: VerificationAttempt) -> bool:
    """After a wrong OTP: past the long-term cap, fail the attempt and lock its invitation for
    verifying (withdrawal still works) until HR re-invites. True if it did."""
    invitation = attempt.consent.invitation
    wrong = wrong_otps_recent(invitation)
    if wrong < settings.MAX_WRONG_OTPS_PER_DAY:
        return False
    Invitation.objects.filter(pk=invitation.pk, otp_locked_at__isnull=True).update(
        otp_locked_at=timezone.now()
    )
    attempt.tries_left = 0
    events.verification_locked(attempt, wrong_otps=wrong)
    _fail(attempt, code=ErrorCode.TOO_MANY_WRONG_OTPS, reason="too_many_wrong_otps")
    return True


def _fail(attempt: VerificationAttempt, *, code: ErrorCode, reason: str) -> None:
    now = timezone.now()
    attempt.state = State.FAILED
    attempt.error_code = code
    attempt.otp = None
    attempt.token = None
    attempt.finished_at = now
    attempt.next_action_at = None
    attempt.save()
    Employee.objects.filter(pk=attempt.employee_id).update(progress=Progress.FAILED)
    events.verification_failed(attempt, reason=reason)


def _expire(attempt: VerificationAttempt, *, reason: str, code: ErrorCode = ErrorCode.OTP_EXPIRED) -> None:
    attempt.state = State.EXPIRED
    attempt.error_code = code
    attempt.otp = None
    attempt.token = None
    attempt.confirm_started_at = None
    attempt.next_action_at = None
    attempt.save()
    events.verification_expired(attempt, reason=reason)


def _schedule_retry(
    attempt: VerificationAttempt, *, step: str, reason: str, deadline: datetime | None, minimum_s: float = 0
) -> Retry | None:
    """Reschedule the step, or None if the retry would land past ``deadline``."""
    delay = max(backoff_delay(attempt.retries), minimum_s)
    delay = min(delay, settings.CELERY_MAX_TASK_DELAY)
    when = timezone.now() + timedelta(seconds=delay)
    if deadline is not None and when >= deadline:
        return None
    attempt.retries += 1
    attempt.error_code = ErrorCode.SERVICE_BUSY
    attempt.next_action_at = when
    attempt.save()
    events.provider_retry(attempt, step=step, reason=reason, delay_s=delay)
    return Retry(delay)


def _wait_for_provider_slot(attempt_id: int) -> Retry | None:
    if ratelimit.provider_slot(max_wait_s=PROVIDER_SLOT_WAIT_S):
        return None
    delay = 1 + random.uniform(0, 4)  # noqa: S311
    VerificationAttempt.objects.filter(pk=attempt_id).update(
        next_action_at=timezone.now() + timedelta(seconds=delay)
    )
    return Retry(delay)


# --- the workers' steps -------------------------------------------------------------------


def attempt_send_otp(*, attempt_id: int) -> Retry | None:
    """Ask the provider to SMS an OTP, once per request of the employee."""
    waiting = _wait_for_provider_slot(attempt_id)
    if waiting:
        return waiting
    with transaction.atomic():
        # Held during the call: a duplicate delivery waits here, then finds the state moved on.
        attempt = VerificationAttempt.objects.select_for_update().filter(pk=attempt_id).first()
        if attempt is None or attempt.state != State.CREATED:
            return None
        consent = attempt.consent
        if not consent.is_active:
            attempt.state = State.CANCELLED
            attempt.save(update_fields=["state", "updated_at"])
            return None
        now = timezone.now()
        try:
            sent = get_provider().request_otp(
                mobile=national(attempt.mobile or ""), full_name=attempt.full_name
            )
        except ResendTooSoon as exc:
            attempt.error_code = ErrorCode.RESEND_TOO_SOON
            attempt.retry_after = now + timedelta(seconds=exc.retry_after_s)
            attempt.next_action_at = attempt.retry_after
            attempt.save()
            return Retry(exc.retry_after_s)
        except (RateLimited, UpstreamUnavailable) as exc:
            minimum = exc.retry_after_s if isinstance(exc, RateLimited) else 0
            deadline = attempt.created_at + timedelta(seconds=settings.VERIFICATION_SEND_DEADLINE_S)
            retry = _schedule_retry(
                attempt, step="send_otp", reason=exc.code, deadline=deadline, minimum_s=minimum
            )
            if retry is None:
                _fail(attempt, code=ErrorCode.SERVICE_BUSY, reason=f"send_otp:{exc.code}:gave_up")
            return retry
        except InvalidRequest as exc:
            _fail(attempt, code=ErrorCode.INVALID_MOBILE, reason=f"send_otp:{exc.code}")
            return None
        except ProviderError as exc:
            logger.error("provider refused an OTP request: %s (attempt %s)", exc.code, attempt_id)
            _fail(attempt, code=ErrorCode.FAILED, reason=f"send_otp:{exc.code}")
            return None
        attempt.state = State.OTP_SENT
        attempt.txn_id = sent.txn_id
        attempt.otp_sent_at = now
        attempt.otp_expires_at = now + timedelta(seconds=sent.valid_for_s)
        attempt.otp_sends += 1
        # The wrong-OTP count is per OTP: a new OTP gets every try again.
        attempt.wrong_otps = 0
        attempt.tries_left = settings.MAX_WRONG_OTPS
        attempt.retries = 0
        attempt.error_code = ""
        attempt.retry_after = now + timedelta(seconds=settings.OTP_RESEND_COOLDOWN_S)
        attempt.next_action_at = attempt.otp_expires_at  # the sweep expires it then
        attempt.save()
        events.otp_sent(attempt)
    return None


def attempt_confirm_otp(*, attempt_id: int) -> Retry | None:
    """Confirm the submitted OTP with the provider, at most once per OTP, then fetch the status."""
    existing = VerificationAttempt.objects.filter(pk=attempt_id).only("state", "token").first()
    if existing is None or existing.state != State.OTP_SUBMITTED:
        return None
    if existing.token:
        return attempt_fetch_status(attempt_id=attempt_id)
    waiting = _wait_for_provider_slot(attempt_id)
    if waiting:
        return waiting
    now = timezone.now()
    # The claim: only one worker, once, gets to call confirm for this OTP.
    claimed = VerificationAttempt.objects.filter(
        pk=attempt_id, state=State.OTP_SUBMITTED, confirm_started_at__isnull=True, token__isnull=True
    ).update(confirm_started_at=now)
    if not claimed:
        return None
    attempt = VerificationAttempt.objects.select_related("consent__invitation").get(pk=attempt_id)
    if not attempt.consent.is_active:
        return None
    if attempt.otp_expires_at is None or attempt.otp_expires_at <= now or not attempt.otp:
        _expire(attempt, reason="otp_expired_before_confirm")
        return None
    try:
        access = get_provider().confirm_otp(txn_id=attempt.txn_id, otp=attempt.otp)
    except WrongOtp as exc:
        attempt.wrong_otps += 1
        attempt.tries_left = min(exc.tries_left, max(0, settings.MAX_WRONG_OTPS - attempt.wrong_otps))
        events.otp_rejected(attempt, tries_left=attempt.tries_left)
        if _lock_if_too_many_wrong(attempt):
            return None
        if attempt.tries_left <= 0:
            _expire(attempt, reason="no_tries_left")
            return None
        attempt.state = State.OTP_SENT
        attempt.otp = None
        attempt.confirm_started_at = None
        attempt.error_code = ErrorCode.WRONG_OTP
        attempt.next_action_at = attempt.otp_expires_at
        attempt.save()
        return None
    except OtpExpired:
        _expire(attempt, reason="provider_otp_expired")
        return None
    except (RateLimited, UpstreamUnavailable) as exc:
        # The provider answered "not now" (or did not answer): release the claim and retry
        # while the OTP lives. See docs/provider.md on what a timeout can and cannot mean.
        attempt.confirm_started_at = None
        minimum = exc.retry_after_s if isinstance(exc, RateLimited) else 0
        retry = _schedule_retry(
            attempt, step="confirm_otp", reason=exc.code, deadline=attempt.otp_expires_at, minimum_s=minimum
        )
        if retry is None:
            _expire(attempt, reason=f"confirm_otp:{exc.code}:otp_life_over", code=ErrorCode.SERVICE_BUSY)
        return retry
    except ProviderError as exc:
        logger.error("provider refused an OTP confirmation: %s (attempt %s)", exc.code, attempt_id)
        _fail(attempt, code=ErrorCode.FAILED, reason=f"confirm_otp:{exc.code}")
        return None
    attempt.token = access.token
    attempt.token_expires_at = timezone.now() + timedelta(seconds=access.expires_in_s)
    attempt.otp = None  # confirmed: the OTP is of no further use
    attempt.retries = 0
    attempt.next_action_at = timezone.now()
    attempt.save()
    return attempt_fetch_status(attempt_id=attempt_id)


def attempt_fetch_status(*, attempt_id: int) -> Retry | None:
    """Fetch, verify and store the signed status; one status record per attempt."""
    attempt = VerificationAttempt.objects.filter(pk=attempt_id).first()
    if attempt is None or attempt.state != State.OTP_SUBMITTED or not attempt.token:
        return None
    waiting = _wait_for_provider_slot(attempt_id)
    if waiting:
        return waiting
    try:
        signed = get_provider().fetch_status(token=attempt.token)
    except (RateLimited, UpstreamUnavailable) as exc:
        minimum = exc.retry_after_s if isinstance(exc, RateLimited) else 0
        retry = _schedule_retry(
            attempt,
            step="fetch_status",
            reason=exc.code,
            deadline=attempt.token_expires_at,
            minimum_s=minimum,
        )
        if retry is None:
            _expire(attempt, reason=f"fetch_status:{exc.code}:token_life_over", code=ErrorCode.SERVICE_BUSY)
        return retry
    except TokenExpired:
        _expire(attempt, reason="token_expired")
        return None
    except NotFound:
        _fail(attempt, code=ErrorCode.NOT_FOUND, reason="not_found")
        return None
    except BadSignature:
        logger.warning("status answer failed signature verification (attempt %s)", attempt_id)
        _fail(attempt, code=ErrorCode.FAILED, reason="bad_signature")
        return None
    except ProviderError as exc:
        _fail(attempt, code=ErrorCode.FAILED, reason=f"fetch_status:{exc.code}")
        return None
    _record_status(attempt_id=attempt_id, signed=signed)
    return None


def _record_status(*, attempt_id: int, signed) -> None:  # type: ignore[no-untyped-def]
    from verification.tasks import receipt_send_task

    with transaction.atomic():
        attempt = VerificationAttempt.objects.select_for_update().select_related("consent").get(pk=attempt_id)
        if attempt.state != State.OTP_SUBMITTED:
            return  # another delivery stored it, or consent was withdrawn meanwhile
        if not attempt.consent.is_active:
            return
        now = timezone.now()
        _, created = StatusRecord.objects.get_or_create(
            attempt=attempt,
            defaults={
                "employee_id": attempt.employee_id,
                "consent": attempt.consent,
                "status": int(signed.status),
                "verified_at": now,
                "evidence": signed.evidence,
                "key_id": signed.key_id,
            },
        )
        attempt.state = State.VERIFIED
        attempt.token = None
        attempt.otp = None
        attempt.error_code = ""
        attempt.finished_at = now
        attempt.next_action_at = None
        if attempt.mobile_changed:
            # Through a number the employee entered: kept as evidence, counted once HR approves.
            attempt.review = VerificationAttempt.Review.PENDING
            Employee.objects.filter(pk=attempt.employee_id).update(
                progress=Progress.AWAITING_REVIEW, vaccination_status=None, status_verified_at=None
            )
        else:
            Employee.objects.filter(pk=attempt.employee_id).update(
                progress=Progress.VERIFIED, vaccination_status=int(signed.status), status_verified_at=now
            )
        attempt.save()
        invitation_id = attempt.consent.invitation_id
        Invitation.objects.filter(pk=invitation_id, used_at__isnull=True).update(used_at=now)
        if created:
            events.verification_succeeded(attempt, key_id=signed.key_id)
            kind = "review" if attempt.mobile_changed else "verified"
            transaction.on_commit(lambda: receipt_send_task.delay(invitation_id, kind))


# --- the sweep ----------------------------------------------------------------------------


def attempts_sweep() -> dict[str, int]:
    """Find attempts whose next step is overdue and put them back on the queue.

    The broker may lose messages (flushed, restarted); the database does not. Also expires
    OTPs nobody entered in time and confirms that were interrupted mid-call (those are never
    retried: the OTP may already be used).
    """
    from verification import tasks

    now = timezone.now()
    overdue = now - timedelta(seconds=settings.VERIFICATION_SWEEP_GRACE_S)
    counts = {"send": 0, "confirm": 0, "expired": 0, "interrupted": 0}

    for attempt in VerificationAttempt.objects.filter(state=State.OTP_SENT, otp_expires_at__lte=now):
        with transaction.atomic():
            locked = (
                VerificationAttempt.objects.select_for_update(skip_locked=True)
                .filter(pk=attempt.pk, state=State.OTP_SENT)
                .first()
            )
            if locked:
                _expire(locked, reason="otp_not_entered")
                counts["expired"] += 1

    claim_timeout = now - timedelta(seconds=settings.VERIFICATION_CONFIRM_CLAIM_S)
    for attempt in VerificationAttempt.objects.filter(
        state=State.OTP_SUBMITTED, confirm_started_at__lte=claim_timeout, token__isnull=True
    ):
        with transaction.atomic():
            locked = (
                VerificationAttempt.objects.select_for_update(skip_locked=True)
                .filter(pk=attempt.pk, state=State.OTP_SUBMITTED, token__isnull=True)
                .first()
            )
            if locked:
                _expire(locked, reason="confirm_interrupted")
                counts["interrupted"] += 1

    for attempt in VerificationAttempt.objects.filter(state=State.CREATED, next_action_at__lte=overdue):
        events.attempt_requeued(attempt)
        tasks.attempt_send_otp_task.delay(attempt.pk)
        counts["send"] += 1
    for attempt in VerificationAttempt.objects.filter(
        state=State.OTP_SUBMITTED, next_action_at__lte=overdue, confirm_started_at__isnull=True
    ) | VerificationAttempt.objects.filter(
        state=State.OTP_SUBMITTED, next_action_at__lte=overdue, token__isnull=False
    ):
        events.attempt_requeued(attempt)
        tasks.attempt_confirm_otp_task.delay(attempt.pk)
        counts["confirm"] += 1
    return counts
