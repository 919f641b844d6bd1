"""The audit trail: one small function per kind of event (append-only AuditEvent rows).

No event holds a mobile number, an OTP, a token or a vaccination status: the trail outlives
the erasure of the status when consent is withdrawn.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_touch
from verification.audit import LOOKS, AuditAction
from verification.models import AuditEvent, Employee, Invitation, VerificationAttempt

Actor = AbstractBaseUser | AnonymousUser | None

#: The address of the request being served (set by verification.account.middleware): what a
#: member of staff does is recorded with where it came from without every caller passing it.
request_ip: ContextVar[str | None] = ContextVar("request_ip", default=None)


def _record(
    action: AuditAction,
    *,
    employee: Employee | None = None,
    employee_id: int | None = None,
    actor: Actor = None,
    employee_acting: bool = False,
    ip: str | None = None,
    **data: Any,
) -> AuditEvent:
    if employee_acting:
        kind, user_id, label = AuditEvent.ActorKind.EMPLOYEE, None, "employee (invitation link)"
    elif actor is not None and actor.is_authenticated:
        kind, user_id, label = AuditEvent.ActorKind.STAFF, actor.pk, actor.get_username()
        ip = ip if ip is not None else request_ip.get()
    else:
        kind, user_id, label = AuditEvent.ActorKind.SYSTEM, None, "system"
    # Whatever else is audited may move the dashboard's numbers: today's snapshot is refreshed
    # on the next hourly run (an organization where nothing happens is not visited).
    if action not in LOOKS:
        due_work_touch(kind=DueKind.SNAPSHOT)
    return AuditEvent.objects.create(
        action=action,
        actor_kind=kind,
        actor_user_id=user_id,
        actor_label=label,
        # By id where the caller has only the id at hand: no query for the employee's row.
        employee_id=employee.pk if employee else employee_id,
        ip_address=ip,
        data=data,
    )


# --- staff ---------------------------------------------------------------------------------


def employee_created(employee: Employee, *, actor: Actor) -> AuditEvent:
    return _record(AuditAction.EMPLOYEE_CREATED, employee=employee, actor=actor, code=employee.code)


def employee_viewed(employee: Employee, *, actor: Actor) -> AuditEvent:
    return _record(AuditAction.EMPLOYEE_VIEWED, employee=employee, actor=actor)


def employee_updated(employee: Employee, *, actor: Actor, fields: list[str]) -> AuditEvent:
    return _record(AuditAction.EMPLOYEE_UPDATED, employee=employee, actor=actor, fields=sorted(fields))


def invitation_created(invitation: Invitation, *, actor: Actor) -> AuditEvent:
    return _record(
        AuditAction.INVITATION_CREATED,
        employee_id=invitation.employee_id,
        actor=actor,
        invitation_id=invitation.pk,
        expires_at=invitation.expires_at.isoformat(),
        channel=invitation.channel,
    )


def employees_imported(
    job: Any, *, actor: Actor, created: int, updated: int, unchanged: int, skipped: int
) -> AuditEvent:
    """One event per confirmed import: counts and the file name, never a row's contents."""
    return _record(
        AuditAction.EMPLOYEES_IMPORTED,
        actor=actor,
        import_job_id=job.pk,
        filename=job.filename,
        created=created,
        updated=updated,
        unchanged=unchanged,
        skipped=skipped,
    )


def import_errors_downloaded(job: Any, *, actor: Actor, ip: str | None, errors: int) -> AuditEvent:
    """The error file of an import was downloaded: it shows the refused values (mobiles
    masked), so who took it is recorded; the event holds counts, never a value."""
    return _record(
        AuditAction.IMPORT_ERRORS_DOWNLOADED,
        actor=actor,
        ip=ip,
        import_job_id=job.pk,
        filename=job.filename,
        errors=errors,
    )


def employee_deactivated(employee: Employee, *, actor: Actor, invitations_revoked: int) -> AuditEvent:
    return _record(
        AuditAction.EMPLOYEE_DEACTIVATED,
        employee=employee,
        actor=actor,
        invitations_revoked=invitations_revoked,
    )


def employee_reactivated(employee: Employee, *, actor: Actor) -> AuditEvent:
    return _record(AuditAction.EMPLOYEE_REACTIVATED, employee=employee, actor=actor)


def export_downloaded(
    *, actor: Actor, ip: str | None, file_format: str, filters: dict[str, Any], rows: int
) -> AuditEvent:
    """Staff downloaded the employee directory: the format, the filters and how many rows
    (never the rows themselves)."""
    return _record(
        AuditAction.EXPORT_DOWNLOADED, actor=actor, ip=ip, format=file_format, filters=filters, rows=rows
    )


# --- system --------------------------------------------------------------------------------


def invitation_sent(invitation: Invitation) -> AuditEvent:
    """The link went out: e-mailed, or sent by SMS (``invitation.channel``)."""
    action = AuditAction.INVITATION_TEXTED if invitation.channel == "sms" else AuditAction.INVITATION_SENT
    return _record(
        action, employee_id=invitation.employee_id, invitation_id=invitation.pk, channel=invitation.channel
    )


def invitation_letter_printed(invitation: Invitation, *, actor: Actor) -> AuditEvent:
    """HR downloaded the printable letter with the employee's link (to hand it to them)."""
    return _record(
        AuditAction.INVITATION_LETTER_PRINTED,
        employee_id=invitation.employee_id,
        actor=actor,
        invitation_id=invitation.pk,
        channel=invitation.channel,
    )


def reminder_sent(invitation: Invitation, *, actor: Actor = None, manual: bool) -> AuditEvent:
    """A reminder e-mail went out: by the schedule (actor None: system) or because staff
    pressed "remind" (``manual``)."""
    return _record(
        AuditAction.INVITATION_REMINDED,
        employee_id=invitation.employee_id,
        actor=actor,
        invitation_id=invitation.pk,
        reminder=invitation.reminder_count,
        manual=manual,
        channel=invitation.channel,
    )


def otp_sent(attempt: VerificationAttempt) -> AuditEvent:
    return _record(
        AuditAction.OTP_SENT, employee_id=attempt.employee_id, attempt_id=attempt.pk, sends=attempt.otp_sends
    )


def otp_rejected(attempt: VerificationAttempt, *, tries_left: int) -> AuditEvent:
    return _record(
        AuditAction.OTP_REJECTED,
        employee_id=attempt.employee_id,
        attempt_id=attempt.pk,
        tries_left=tries_left,
    )


def verification_succeeded(attempt: VerificationAttempt, *, key_id: str) -> AuditEvent:
    """The status was verified and stored, by ``method``; ``awaiting_review`` when it counts
    only once HR approves it (``review_reason`` says why). Never the status or the doses."""
    return _record(
        AuditAction.VERIFICATION_SUCCEEDED,
        employee_id=attempt.employee_id,
        attempt_id=attempt.pk,
        method=attempt.method,
        key_id=key_id,
        awaiting_review=bool(attempt.review_reason),
        review_reason=attempt.review_reason,
    )


def certificate_refused(employee: Employee, *, reason: str, ip: str | None) -> AuditEvent:
    """An uploaded certificate was not accepted (unreadable, refused, another employee's): the
    reason's code only, never anything read from it."""
    return _record(
        AuditAction.CERTIFICATE_REFUSED, employee=employee, employee_acting=True, ip=ip, reason=str(reason)
    )


def verification_locked(attempt: VerificationAttempt, *, wrong_otps: int) -> AuditEvent:
    """Too many wrong OTPs in 24 hours: the invitation can no longer verify (only withdraw)."""
    return _record(
        AuditAction.VERIFICATION_LOCKED,
        employee_id=attempt.employee_id,
        attempt_id=attempt.pk,
        invitation_id=attempt.consent.invitation_id,
        wrong_otps=wrong_otps,
    )


def verification_failed(attempt: VerificationAttempt, *, reason: str) -> AuditEvent:
    return _record(
        AuditAction.VERIFICATION_FAILED, employee_id=attempt.employee_id, attempt_id=attempt.pk, reason=reason
    )


def verification_expired(attempt: VerificationAttempt, *, reason: str) -> AuditEvent:
    return _record(
        AuditAction.VERIFICATION_EXPIRED,
        employee_id=attempt.employee_id,
        attempt_id=attempt.pk,
        reason=reason,
    )


def provider_retry(attempt: VerificationAttempt, *, step: str, reason: str, delay_s: float) -> AuditEvent:
    return _record(
        AuditAction.PROVIDER_RETRY,
        employee_id=attempt.employee_id,
        attempt_id=attempt.pk,
        step=step,
        reason=reason,
        delay_s=round(delay_s, 1),
    )


def attempt_requeued(attempt: VerificationAttempt) -> AuditEvent:
    return _record(
        AuditAction.VERIFICATION_REQUEUED,
        employee_id=attempt.employee_id,
        attempt_id=attempt.pk,
        state=attempt.state,
    )


# --- the employee, through their link -------------------------------------------------------


def invitation_opened(invitation: Invitation, *, ip: str | None) -> AuditEvent:
    return _record(
        AuditAction.INVITATION_OPENED,
        employee_id=invitation.employee_id,
        employee_acting=True,
        ip=ip,
        invitation_id=invitation.pk,
    )


def _consent_decision(action: AuditAction, consent: Any, *, ip: str | None) -> AuditEvent:
    return _record(
        action,
        employee_id=consent.employee_id,
        employee_acting=True,
        ip=ip,
        consent_id=consent.pk,
        notice_version=consent.notice_version,
        language=consent.language,
    )


def consent_given(consent: Any, *, ip: str | None) -> AuditEvent:
    return _consent_decision(AuditAction.CONSENT_GIVEN, consent, ip=ip)


def consent_declined(consent: Any, *, ip: str | None) -> AuditEvent:
    return _consent_decision(AuditAction.CONSENT_DECLINED, consent, ip=ip)


def consent_withdrawn(consent: Any, *, ip: str | None, records_erased: int) -> AuditEvent:
    return _record(
        AuditAction.CONSENT_WITHDRAWN,
        employee_id=consent.employee_id,
        employee_acting=True,
        ip=ip,
        consent_id=consent.pk,
        status_records_erased=records_erased,
    )


def details_confirmed(attempt: VerificationAttempt, *, ip: str | None, name_match: str) -> AuditEvent:
    """The employee started a verification: with the number on file, or with another number
    they entered (``mobile_changed``; ``name_match`` is then the name matcher's reason)."""
    return _record(
        AuditAction.DETAILS_CONFIRMED,
        employee_id=attempt.employee_id,
        employee_acting=True,
        ip=ip,
        attempt_id=attempt.pk,
        mobile="changed_by_employee" if attempt.mobile_changed else "on_file",
        name_match=name_match,
    )


def details_refused(employee: Employee, *, ip: str | None, reason: str) -> AuditEvent:
    """A verification was refused before anything went to CoWIN (``reason``: a name that does
    not match the name on file with another number, the link locked ...)."""
    return _record(AuditAction.DETAILS_REFUSED, employee=employee, employee_acting=True, ip=ip, reason=reason)


def otp_requested(attempt: VerificationAttempt, *, ip: str | None) -> AuditEvent:
    return _record(
        AuditAction.OTP_REQUESTED,
        employee_id=attempt.employee_id,
        employee_acting=True,
        ip=ip,
        attempt_id=attempt.pk,
    )


def otp_submitted(attempt: VerificationAttempt, *, ip: str | None) -> AuditEvent:
    return _record(
        AuditAction.OTP_SUBMITTED,
        employee_id=attempt.employee_id,
        employee_acting=True,
        ip=ip,
        attempt_id=attempt.pk,
    )


def view_code_requested(
    invitation: Invitation, *, ip: str | None, sent: bool, refused: str = ""
) -> AuditEvent:
    """Someone holding the link asked for a code to see the status (``refused``: why none was
    sent, e.g. a rate limit). Never the code."""
    return _record(
        AuditAction.VIEW_CODE_REQUESTED,
        employee_id=invitation.employee_id,
        employee_acting=True,
        ip=ip,
        invitation_id=invitation.pk,
        sent=sent,
        refused=refused,
    )


def view_code_used(invitation: Invitation, *, ip: str | None) -> AuditEvent:
    return _record(
        AuditAction.VIEW_CODE_USED,
        employee_id=invitation.employee_id,
        employee_acting=True,
        ip=ip,
        invitation_id=invitation.pk,
    )


def view_code_failed(invitation: Invitation, *, ip: str | None, reason: str, tries_left: int) -> AuditEvent:
    return _record(
        AuditAction.VIEW_CODE_FAILED,
        employee_id=invitation.employee_id,
        employee_acting=True,
        ip=ip,
        invitation_id=invitation.pk,
        reason=reason,
        tries_left=tries_left,
    )


# --- HR's review of verifications through a number the employee entered -----------------------


def review_approved(attempt: VerificationAttempt, *, actor: Actor) -> AuditEvent:
    return _record(
        AuditAction.REVIEW_APPROVED, employee_id=attempt.employee_id, actor=actor, attempt_id=attempt.pk
    )


def review_rejected(attempt: VerificationAttempt, *, actor: Actor, records_erased: int) -> AuditEvent:
    return _record(
        AuditAction.REVIEW_REJECTED,
        employee_id=attempt.employee_id,
        actor=actor,
        attempt_id=attempt.pk,
        status_records_erased=records_erased,
    )


# --- staff sign-in (two-factor) --------------------------------------------------------------


def two_factor_enrolled(user: Any) -> AuditEvent:
    return _record(AuditAction.TWO_FACTOR_ENROLLED, actor=user)


def two_factor_verified(user: Any, *, device_kind: str) -> AuditEvent:
    return _record(AuditAction.TWO_FACTOR_VERIFIED, actor=user, device=device_kind)


def two_factor_reauthenticated(user: Any, *, device_kind: str) -> AuditEvent:
    """A signed-in person entered a current code again, to replace their authenticator or
    backup codes."""
    return _record(AuditAction.TWO_FACTOR_REAUTHENTICATED, actor=user, device=device_kind)


def two_factor_failed(user: Any, *, step: str) -> AuditEvent:
    return _record(AuditAction.TWO_FACTOR_FAILED, actor=user, step=step)


def backup_codes_generated(user: Any) -> AuditEvent:
    return _record(AuditAction.BACKUP_CODES_GENERATED, actor=user)


def two_factor_reset(user: Any, *, actor: Actor) -> AuditEvent:
    return _record(AuditAction.TWO_FACTOR_RESET, actor=actor, user_id=user.pk, username=user.get_username())


def password_reset_requested(*, ip: str | None, users: list[Any]) -> AuditEvent:
    """A reset link was e-mailed (to an existing active user: nothing is recorded for an
    unknown address, so the trail is not a list of guesses)."""
    return _record(AuditAction.PASSWORD_RESET_REQUESTED, ip=ip, user_ids=[u.pk for u in users])


def password_reset_throttled(*, ip: str | None, limit: str) -> AuditEvent:
    """Reset e-mails were refused by a limit ("ip" or "address"); recorded once an hour per limit
    and key, however often it is hit."""
    return _record(AuditAction.PASSWORD_RESET_THROTTLED, ip=ip, limit=limit)


# --- the staff team -----------------------------------------------------------------------------


def staff_invited(*, actor: Actor, email: str, role: str, invitation_id: int) -> AuditEvent:
    return _record(
        AuditAction.STAFF_INVITED, actor=actor, email=email, role=role, invitation_id=invitation_id
    )


def staff_invitation_revoked(invitation: Any, *, actor: Actor) -> AuditEvent:
    return _record(
        AuditAction.STAFF_INVITATION_REVOKED,
        actor=actor,
        invitation_id=invitation.pk,
        email=invitation.email,
        role=invitation.role,
    )


def staff_joined(user: Any, *, role: str, invitation_id: int) -> AuditEvent:
    return _record(AuditAction.STAFF_JOINED, actor=user, role=role, invitation_id=invitation_id)


def staff_signed_in_after_signup(user: Any, *, ip: str | None) -> AuditEvent:
    """The new Owner was signed in by the sign-up's one-time ticket (no password typed here)."""
    return _record(AuditAction.STAFF_SIGNED_IN_AFTER_SIGNUP, actor=user, ip=ip)


def staff_role_changed(user: Any, *, actor: Actor, role: str) -> AuditEvent:
    return _record(
        AuditAction.STAFF_ROLE_CHANGED, actor=actor, user_id=user.pk, username=user.get_username(), role=role
    )


def staff_deactivated(user: Any, *, actor: Actor, sessions_ended: int) -> AuditEvent:
    return _record(
        AuditAction.STAFF_DEACTIVATED,
        actor=actor,
        user_id=user.pk,
        username=user.get_username(),
        sessions_ended=sessions_ended,
    )


def staff_reactivated(user: Any, *, actor: Actor) -> AuditEvent:
    return _record(AuditAction.STAFF_REACTIVATED, actor=actor, user_id=user.pk, username=user.get_username())


# --- the organization -------------------------------------------------------------------------


def organization_created(*, actor: Actor, name: str) -> AuditEvent:
    """The organization was provisioned (sign-up or the shell), with ``actor`` its first Owner."""
    return _record(AuditAction.ORGANIZATION_CREATED, actor=actor, name=name)


def organization_settings_changed(*, actor: Actor, fields: list[str]) -> AuditEvent:
    return _record(AuditAction.ORGANIZATION_SETTINGS_CHANGED, actor=actor, fields=fields)


def audit_exported(*, actor: Actor, filters: dict[str, str], rows: int) -> AuditEvent:
    return _record(AuditAction.AUDIT_EXPORTED, actor=actor, filters=filters, rows=rows)


def retention_erased(employee: Employee, *, status_records: int, days: int) -> AuditEvent:
    return _record(
        AuditAction.RETENTION_ERASED,
        employee=employee,
        status_records_erased=status_records,
        retention_days=days,
    )


def data_summary_viewed(employee: Employee, *, ip: str | None) -> AuditEvent:
    return _record(AuditAction.DATA_SUMMARY_VIEWED, employee=employee, employee_acting=True, ip=ip)
