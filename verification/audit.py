"""The audit trail's vocabulary: every kind of event, its name as stored, and how people read it.

``AuditAction`` is the model's choices (``AuditEvent.action``) and what every reader filters
on; ``events.py`` has one function per action that writes it. The label is how staff read an
event (the audit log, an employee's history); ``EMPLOYEE_READS`` is how the employee reads
what a member of staff did with their record (their own summary).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # HR's work on employee records
    EMPLOYEE_CREATED = "employee.created", _("Added")
    EMPLOYEE_VIEWED = "employee.viewed", _("Record viewed")
    EMPLOYEE_UPDATED = "employee.updated", _("Details changed")
    EMPLOYEE_DEACTIVATED = "employee.deactivated", _("Deactivated")
    EMPLOYEE_REACTIVATED = "employee.reactivated", _("Reactivated")
    EMPLOYEES_IMPORTED = "employees.imported", _("Employees imported")
    EXPORT_DOWNLOADED = "export.downloaded", _("Employee list downloaded")
    INVITATION_CREATED = "invitation.created", _("Invited")
    REVIEW_APPROVED = "review.approved", _("Verification through another number approved")
    REVIEW_REJECTED = "review.rejected", _("Verification through another number rejected; status erased")
    # e-mails and the workers
    INVITATION_SENT = "invitation.sent", _("Invitation e-mailed")
    INVITATION_TEXTED = "invitation.texted", _("Invitation sent by SMS")
    INVITATION_LETTER_PRINTED = "invitation.letter_printed", _("Invitation letter printed")
    INVITATION_REMINDED = "invitation.reminded", _("Reminder e-mailed")
    OTP_SENT = "otp.sent", _("OTP sent by CoWIN")
    OTP_REJECTED = "otp.rejected", _("Wrong OTP")
    VERIFICATION_SUCCEEDED = "verification.succeeded", _("Verified")
    VERIFICATION_LOCKED = "verification.locked", _("Too many wrong OTPs: link locked for verifying")
    VERIFICATION_FAILED = "verification.failed", _("Verification failed")
    VERIFICATION_EXPIRED = "verification.expired", _("OTP expired")
    VERIFICATION_REQUEUED = "verification.requeued", _("Verification resumed")
    PROVIDER_RETRY = "provider.retry", _("CoWIN busy, retrying")
    RETENTION_ERASED = "retention.erased", _("Status and mobile erased after the retention period")
    # the employee, through their link
    INVITATION_OPENED = "invitation.opened", _("Opened the invitation")
    CONSENT_GIVEN = "consent.given", _("Consent given")
    CONSENT_DECLINED = "consent.declined", _("Consent declined")
    CONSENT_WITHDRAWN = "consent.withdrawn", _("Consent withdrawn; status erased")
    DETAILS_CONFIRMED = "employee.details_confirmed", _("Confirmed their name and mobile")
    DETAILS_REFUSED = (
        "employee.details_refused",
        _("Another number with a name not matching the record: refused"),
    )
    OTP_REQUESTED = "otp.requested", _("Asked for an OTP")
    OTP_SUBMITTED = "otp.submitted", _("Entered the OTP")
    CERTIFICATE_REFUSED = "certificate.refused", _("Uploaded a certificate that was not accepted")
    VIEW_CODE_REQUESTED = "view_code.requested", _("Asked for a code to see their status")
    VIEW_CODE_USED = "view_code.used", _("Entered a right code to see their status")
    VIEW_CODE_FAILED = "view_code.failed", _("Entered a wrong or expired code")
    DATA_SUMMARY_VIEWED = "employee.data_summary_viewed", _("Looked at their own data")
    # staff sign-in and the team
    TWO_FACTOR_ENROLLED = "2fa.enrolled", _("Authenticator set up")
    TWO_FACTOR_VERIFIED = "2fa.verified", _("Second factor passed")
    TWO_FACTOR_REAUTHENTICATED = "2fa.reauthenticated", _("Confirmed with a current code")
    TWO_FACTOR_FAILED = "2fa.failed", _("Wrong second-factor code")
    BACKUP_CODES_GENERATED = "2fa.backup_codes_generated", _("New backup codes made")
    TWO_FACTOR_RESET = "2fa.reset", _("Two-factor sign-in reset for a teammate")
    PASSWORD_RESET_REQUESTED = "password_reset.requested", _("Password reset link e-mailed")
    PASSWORD_RESET_THROTTLED = "password_reset.throttled", _("Password reset e-mails held back (limit)")
    STAFF_INVITED = "staff.invited", _("Teammate invited")
    STAFF_INVITATION_REVOKED = "staff.invitation_revoked", _("Teammate's invitation revoked")
    STAFF_JOINED = "staff.joined", _("Teammate joined")
    STAFF_SIGNED_IN_AFTER_SIGNUP = (
        "staff.signed_in_after_signup",
        _("Signed in straight after creating the organization"),
    )
    STAFF_ROLE_CHANGED = "staff.role_changed", _("Teammate's role changed")
    STAFF_DEACTIVATED = "staff.deactivated", _("Teammate deactivated")
    STAFF_REACTIVATED = "staff.reactivated", _("Teammate reactivated")
    # the organization
    ORGANIZATION_CREATED = "organization.created", _("Organization created")
    ORGANIZATION_SETTINGS_CHANGED = "organization.settings_changed", _("Settings changed")
    AUDIT_EXPORTED = "audit.exported", _("Audit log downloaded")


#: How the employee reads what a member of staff did with their record (their own summary).
EMPLOYEE_READS = {
    AuditAction.EMPLOYEE_CREATED: _("added your record"),
    AuditAction.EMPLOYEE_VIEWED: _("looked at your record"),
    AuditAction.EMPLOYEE_UPDATED: _("changed your details"),
    AuditAction.EMPLOYEE_DEACTIVATED: _("marked your record inactive"),
    AuditAction.EMPLOYEE_REACTIVATED: _("marked your record active again"),
    AuditAction.INVITATION_CREATED: _("sent you an invitation"),
    AuditAction.INVITATION_REMINDED: _("sent you a reminder"),
    AuditAction.REVIEW_APPROVED: _("approved your verification through another number"),
    AuditAction.REVIEW_REJECTED: _("rejected your verification through another number"),
    AuditAction.EXPORT_DOWNLOADED: _("downloaded the employee list"),
}
EMPLOYEE_READS_OTHERWISE = _("worked with your record")


def action_label(action: str) -> str:
    """How staff read ``action`` (the stored name itself for one no longer in use)."""
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return action
