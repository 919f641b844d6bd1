"""The workers' steps of a verification: send the OTP, confirm it, fetch and store the signed status.

The attempt row is the truth. A worker step locks or atomically claims the row before it
calls the provider, so a task delivered twice (late acks, a redelivery after a lost worker,
the sweep) never sends two OTPs for one request, never confirms one OTP twice and never
stores a second status record. Retryable provider errors are retried with backoff and jitter,
but never past the OTP's (or the token's) life.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from verification import events, ratelimit
from verification.attempts.records import attempt_verified
from verification.attempts.transitions import (
    Retry,
    State,
    attempt_expire,
    attempt_fail,
    attempt_retry_schedule,
    invitation_lock_if_too_many_wrong,
)
from verification.errors import ErrorCode
from verification.models import (
    VerificationAttempt,
)
from verification.phones import national
from verification.providers.base import Method
from verification.providers.kycvs import get_provider
from verification.providers.kycvs.protocol import (
    AccessToken,
    BadSignature,
    InvalidRequest,
    NotFound,
    OtpExpired,
    OtpNotSent,
    ProviderError,
    RateLimited,
    ResendTooSoon,
    SignedStatus,
    TokenExpired,
    UpstreamUnavailable,
    WrongOtp,
)

logger = logging.getLogger(__name__)


# How long a worker waits for a slot of the provider's quota before rescheduling instead.
PROVIDER_SLOT_WAIT_S = 20
#: How many times a write after a provider call is tried (on a fresh database connection each
#: time after the first), and the pause before each new try (seconds, times the try's number).
SAVE_TRIES = 4
SAVE_PAUSE_S = 0.25

T = TypeVar("T")


def _saved_despite_drops(write: Callable[[], T]) -> T:
    """Run ``write`` (one transaction of its own); if the database connection failed under it
    (a restart, a failover, ``pg_terminate_backend``), close it and run ``write`` again on a
    new one, up to ``SAVE_TRIES`` times.

    For what the provider answered and is held only in this process's memory until saved.
    ``write`` must be safe to run again: in one transaction, it either saved everything or
    nothing, and it checks the row's state before it writes.
    """
    for tried in range(1, SAVE_TRIES + 1):
        try:
            return write()
        except (OperationalError, InterfaceError):
            if tried == SAVE_TRIES or connection.in_atomic_block:
                raise
            logger.warning("database connection lost while saving a provider's answer; reconnecting")
            connection.close()
            time.sleep(SAVE_PAUSE_S * tried)
    raise AssertionError("unreachable")


def _wait_for_provider_slot(attempt_id: int) -> Retry | None:
    if ratelimit.provider_slot(max_wait_s=PROVIDER_SLOT_WAIT_S):
        return None
    delay = 1 + random.uniform(0, 4)  # noqa: S311
    VerificationAttempt.objects.filter(pk=attempt_id).update(
        next_action_at=timezone.now() + timedelta(seconds=delay)
    )
    return Retry(delay)


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
            retry = attempt_retry_schedule(
                attempt, step="send_otp", reason=exc.code, deadline=deadline, minimum_s=minimum
            )
            if retry is None:
                attempt_fail(attempt, code=ErrorCode.SERVICE_BUSY, reason=f"send_otp:{exc.code}:gave_up")
            return retry
        except InvalidRequest as exc:
            attempt_fail(attempt, code=ErrorCode.INVALID_MOBILE, reason=f"send_otp:{exc.code}")
            return None
        except OtpNotSent as exc:
            attempt_fail(attempt, code=ErrorCode.OTP_NOT_SENT, reason=f"send_otp:{exc.code}")
            return None
        except ProviderError as exc:
            logger.error("provider refused an OTP request: %s (attempt %s)", exc.code, attempt_id)
            attempt_fail(attempt, code=ErrorCode.FAILED, reason=f"send_otp:{exc.code}")
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
    """Confirm the submitted OTP with the provider, at most once per OTP, then fetch the status.

    Everything the step needs is read (once) before the claim, so that nothing but the
    provider's call lies between the claim and the call. What the provider answered (the
    token above all: it lives 15 minutes, and the OTP that got it cannot be confirmed again)
    is saved in one statement or one transaction, tried again on a fresh connection if the
    database connection dropped; the status is then fetched with the token in hand.
    """
    # One read for everything the step needs (the row and whether its consent is active),
    # only those columns: the step writes through single UPDATEs, never this object.
    attempt = (
        VerificationAttempt.objects.select_related("consent")
        .only(
            "state",
            "token",
            "confirm_started_at",
            "otp",
            "txn_id",
            "otp_expires_at",
            "consent__withdrawn_at",
            "consent__decision",
        )
        .filter(pk=attempt_id)
        .first()
    )
    if attempt is None or attempt.state != State.OTP_SUBMITTED:
        return None
    if attempt.token:
        return attempt_fetch_status(attempt_id=attempt_id)
    if attempt.confirm_started_at is not None or not attempt.consent.is_active:
        return None  # another delivery has the claim (the sweep ends it if it died), or withdrawn
    waiting = _wait_for_provider_slot(attempt_id)
    if waiting:
        return waiting
    now = timezone.now()
    otp, txn_id = attempt.otp, attempt.txn_id
    # The claim: only one worker, once, gets to call confirm for this OTP.
    claimed = VerificationAttempt.objects.filter(
        pk=attempt_id, state=State.OTP_SUBMITTED, confirm_started_at__isnull=True, token__isnull=True
    ).update(confirm_started_at=now)
    if not claimed:
        return None
    if attempt.otp_expires_at is None or attempt.otp_expires_at <= now or not otp:
        return _saved_despite_drops(lambda: _confirm_outcome_save(attempt_id, claimed_at=now, error=None))
    refusal: ProviderError | None = None
    try:
        access = get_provider().confirm_otp(txn_id=txn_id, otp=otp)
    except ProviderError as exc:
        refusal = exc
    if refusal is not None:
        return _saved_despite_drops(lambda: _confirm_outcome_save(attempt_id, claimed_at=now, error=refusal))
    if not _saved_despite_drops(lambda: _token_save(attempt_id, claimed_at=now, access=access)):
        return None  # withdrawn, or the sweep gave the claim up meanwhile
    return attempt_fetch_status(attempt_id=attempt_id, token=access.token)


def _token_save(attempt_id: int, *, claimed_at: datetime, access: AccessToken) -> bool:
    """Save the provider's token on the attempt claimed at ``claimed_at``; False if the claim
    is no longer ours. One UPDATE: saved whole or not at all, and the same again if run twice."""
    now = timezone.now()
    return bool(
        VerificationAttempt.objects.filter(
            pk=attempt_id, state=State.OTP_SUBMITTED, confirm_started_at=claimed_at
        ).update(
            token=access.token,
            token_expires_at=now + timedelta(seconds=access.expires_in_s),
            otp=None,  # confirmed: the OTP is of no further use
            retries=0,
            next_action_at=now,
            updated_at=now,
        )
    )


def _confirm_outcome_save(
    attempt_id: int, *, claimed_at: datetime, error: ProviderError | None
) -> Retry | None:
    """Save why confirming the OTP of the attempt claimed at ``claimed_at`` gave no token, in
    one transaction (a dropped connection leaves nothing half-saved, and it can run again).

    ``error``: what the provider answered instead; None: the OTP died before it was sent.
    Nothing is saved if the claim is no longer ours (withdrawn, or the sweep gave it up).
    """
    with transaction.atomic():
        attempt = (
            VerificationAttempt.objects.select_for_update(of=("self",))
            .select_related("consent__invitation")
            .filter(pk=attempt_id, state=State.OTP_SUBMITTED, confirm_started_at=claimed_at)
            .first()
        )
        return None if attempt is None else _confirm_refused(attempt, error)


def _confirm_refused(attempt: VerificationAttempt, error: ProviderError | None) -> Retry | None:
    """The provider did not give a token (``error``), or the OTP died first (None)."""
    if error is None:
        attempt_expire(attempt, reason="otp_expired_before_confirm")
        return None
    if isinstance(error, WrongOtp):
        attempt.wrong_otps += 1
        # CoWIN does not say how many tries are left: our own count decides, and the
        # provider's, when it gives one, can only lower it.
        left = max(0, settings.MAX_WRONG_OTPS - attempt.wrong_otps)
        attempt.tries_left = left if error.tries_left is None else min(error.tries_left, left)
        events.otp_rejected(attempt, tries_left=attempt.tries_left)
        if invitation_lock_if_too_many_wrong(attempt):
            return None
        if attempt.tries_left <= 0:
            attempt_expire(attempt, reason="no_tries_left")
            return None
        attempt.state = State.OTP_SENT
        attempt.otp = None
        attempt.confirm_started_at = None
        attempt.error_code = ErrorCode.WRONG_OTP
        attempt.next_action_at = attempt.otp_expires_at
        attempt.save()
        return None
    if isinstance(error, OtpExpired):
        attempt_expire(attempt, reason="provider_otp_expired")
        return None
    if isinstance(error, RateLimited | UpstreamUnavailable):
        # The provider answered "not now" (or did not answer): release the claim and retry
        # while the OTP lives. See docs/provider.md on what a timeout can and cannot mean.
        attempt.confirm_started_at = None
        minimum = error.retry_after_s if isinstance(error, RateLimited) else 0
        retry = attempt_retry_schedule(
            attempt, step="confirm_otp", reason=error.code, deadline=attempt.otp_expires_at, minimum_s=minimum
        )
        if retry is None:
            attempt_expire(
                attempt, reason=f"confirm_otp:{error.code}:otp_life_over", code=ErrorCode.SERVICE_BUSY
            )
        return retry
    logger.error("provider refused an OTP confirmation: %s (attempt %s)", error.code, attempt.pk)
    attempt_fail(attempt, code=ErrorCode.FAILED, reason=f"confirm_otp:{error.code}")
    return None


def attempt_fetch_status(*, attempt_id: int, token: str | None = None) -> Retry | None:
    """Fetch, verify and store the signed status; one status record per attempt.

    ``token``: the one the confirm step has just saved (the row is not read again for it).
    """
    if token is None:
        row = VerificationAttempt.objects.filter(pk=attempt_id).only("state", "token").first()
        if row is None or row.state != State.OTP_SUBMITTED or not row.token:
            return None
        token = row.token
    waiting = _wait_for_provider_slot(attempt_id)
    if waiting:
        return waiting
    try:
        signed = get_provider().fetch_status(token=token)
    except ProviderError as exc:
        return _fetch_refused(attempt_id, exc)
    # The signed answer lives only in memory until it is stored: a dropped connection is
    # reconnected, not a reason to ask the provider again.
    _saved_despite_drops(lambda: attempt_status_record(attempt_id=attempt_id, signed=signed))
    return None


def _fetch_refused(attempt_id: int, error: ProviderError) -> Retry | None:
    """The provider gave no status for the attempt's token: retry, expire or fail it."""
    attempt = VerificationAttempt.objects.filter(pk=attempt_id, state=State.OTP_SUBMITTED).first()
    if attempt is None or not attempt.token:
        return None  # another delivery ended it meanwhile
    if isinstance(error, RateLimited | UpstreamUnavailable):
        minimum = error.retry_after_s if isinstance(error, RateLimited) else 0
        retry = attempt_retry_schedule(
            attempt,
            step="fetch_status",
            reason=error.code,
            deadline=attempt.token_expires_at,
            minimum_s=minimum,
        )
        if retry is None:
            attempt_expire(
                attempt, reason=f"fetch_status:{error.code}:token_life_over", code=ErrorCode.SERVICE_BUSY
            )
        return retry
    if isinstance(error, TokenExpired):
        attempt_expire(attempt, reason="token_expired")
    elif isinstance(error, NotFound):
        attempt_fail(attempt, code=ErrorCode.NOT_FOUND, reason="not_found")
    elif isinstance(error, BadSignature):
        logger.warning("status answer failed signature verification (attempt %s)", attempt_id)
        attempt_fail(attempt, code=ErrorCode.FAILED, reason="bad_signature")
    else:
        attempt_fail(attempt, code=ErrorCode.FAILED, reason=f"fetch_status:{error.code}")
    return None


def attempt_status_record(*, attempt_id: int, signed: SignedStatus) -> None:
    """Store the signed status KYC-VS answered for the attempt, once."""
    with transaction.atomic():
        # The consent too (it must still be active); the employee's row is updated by id. Only
        # the columns recording the status reads (the rest, encrypted ones too, are not
        # decrypted for nothing); attempt_verified saves the attempt's changed fields by name.
        attempt = (
            VerificationAttempt.objects.select_for_update()
            .select_related("consent")
            .only(
                "state",
                "employee_id",
                "consent",
                "method",
                "mobile_changed",
                "review_reason",
                "consent__decision",
                "consent__withdrawn_at",
                "consent__invitation_id",
            )
            .get(pk=attempt_id)
        )
        if attempt.state != State.OTP_SUBMITTED:
            return  # another delivery stored it, or consent was withdrawn meanwhile
        if not attempt.consent.is_active:
            return
        attempt_verified(
            attempt=attempt,
            record={
                "status": int(signed.status),
                "method": Method.KYCVS,
                "evidence": signed.evidence,
                "key_id": signed.key_id,
            },
            # Through a number the employee entered: kept as evidence, counted once HR approves.
            review_reason=VerificationAttempt.ReviewReason.NUMBER_CHANGED if attempt.mobile_changed else "",
        )
