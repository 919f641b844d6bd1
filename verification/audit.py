"""The audit trail's vocabulary: every kind of event, its name as stored, and how people read it.

``AuditAction`` is the model's choices (``AuditEvent.action``) and what every reader filters
on; ``events.py`` has one function per action that writes it. The label is how staff read an
event (the audit log, an employee's history); ``EMPLOYEE_READS`` is how the employee reads
what a member of staff did with their record (their own summary).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class AuditAction(models.TextChoices):
    # HR's work on employee records
    EMPLOYEE_CREATED = "employee.created", _("Added")
    EMPLOYEE_VIEWED = "employee.viewed", _("Record viewed")
    EMPLOYEE_UPDATED = "employee.updated", _("Details changed")
    EMPLOYEE_DEACTIVATED = "employee.deactivated", _("Deactivated")
    EMPLOYEE_REACTIVATED = "employee.reactivated", _("Reactivated")
    EMPLOYEES_IMPORTED = "employees.imported", _("Employees imported")
    IMPORT_ERRORS_DOWNLOADED = "import.errors_downloaded", _("Import errors downloaded (with the values)")
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


#: What records somebody looking, downloading or signing in: no employee's row changes, so
#: no number on the dashboard moves, and today's snapshot is not due again for it.
LOOKS = frozenset(
    {
        AuditAction.EMPLOYEE_VIEWED,
        AuditAction.IMPORT_ERRORS_DOWNLOADED,
        AuditAction.EXPORT_DOWNLOADED,
        AuditAction.AUDIT_EXPORTED,
        AuditAction.DATA_SUMMARY_VIEWED,
        AuditAction.VIEW_CODE_REQUESTED,
        AuditAction.VIEW_CODE_USED,
        AuditAction.VIEW_CODE_FAILED,
        AuditAction.TWO_FACTOR_VERIFIED,
        AuditAction.TWO_FACTOR_REAUTHENTICATED,
        AuditAction.TWO_FACTOR_FAILED,
        AuditAction.PASSWORD_RESET_REQUESTED,
        AuditAction.PASSWORD_RESET_THROTTLED,
        AuditAction.STAFF_SIGNED_IN_AFTER_SIGNUP,
    }
)

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


# --- Events in words ------------------------------------------------------------------------
# One place turns a stored event into what people read: the action's label (above), who did
# it, and its details as words (never the stored dict, ids or codes).

#: The reasons and codes events record (verification.errors codes, worker steps, provider
#: errors, certificate refusals), as staff read them.
REASON_WORDS = {
    # verification.errors.ErrorCode values
    "not_found": _("the name does not match CoWIN's record for the number"),
    "wrong_otp": _("wrong OTP"),
    "otp_expired": _("the OTP expired"),
    "resend_too_soon": _("a new OTP was asked for too soon"),
    "send_limit": _("too many OTPs in the last hour"),
    "service_busy": _("CoWIN was busy for too long"),
    "invalid_mobile": _("CoWIN did not accept the mobile number"),
    "otp_not_sent": _("CoWIN would not send an OTP to the number for now"),
    "failed": _("CoWIN refused the request"),
    "too_many_wrong_otps": _("too many wrong OTPs"),
    "name_mismatch": _("the name is not the one on file"),
    "certificate_in_use": _("the certificate already verified someone else"),
    "view_code_limit": _("too many codes in the last hour"),
    # worker steps and what ended them
    "send_otp": _("while asking CoWIN for an OTP"),
    "confirm_otp": _("while checking the OTP with CoWIN"),
    "fetch_status": _("while fetching the status from CoWIN"),
    "gave_up": _("gave up"),
    "otp_life_over": _("the OTP's time ran out"),
    "token_life_over": _("CoWIN's answer could no longer be fetched"),
    "otp_expired_before_confirm": _("the OTP expired before it could be checked"),
    "provider_otp_expired": _("CoWIN said the OTP had expired"),
    "no_tries_left": _("no tries left for this OTP"),
    "token_expired": _("CoWIN's access expired"),
    "bad_signature": _("CoWIN's answer did not carry a valid signature"),
    "otp_not_entered": _("no OTP was entered in time"),
    "confirm_interrupted": _("the check with CoWIN was interrupted"),
    "expired": _("expired"),
    "wrong": _("wrong code"),
    # provider errors
    "rate_limited": _("CoWIN's rate limit"),
    "upstream_unavailable": _("CoWIN did not answer"),
    "invalid_request": _("CoWIN refused the input"),
    "misconfigured": _("Tika's CoWIN key was refused"),
    "provider_error": _("CoWIN refused the request"),
    # name checks (verification.names.Reason)
    "same": _("the same name"),
    "honorific": _("the same name without a title"),
    "word_order": _("the same names in another order"),
    "spelling": _("the same name spelled another way"),
    "initials": _("the same name with initials"),
    "middle_name_missing": _("the same name without a middle name"),
    "empty": _("no name"),
    "different_scripts": _("a name in another script"),
    "different_words": _("a different name"),
    "only_initials": _("only initials"),
    # certificates
    "number_changed": _("through a number the employee entered"),
}

#: Words for the fields events list (``fields`` of an update or a settings change).
FIELD_WORDS = {
    "code": _("employee code"),
    "full_name": _("name"),
    "email": _("e-mail"),
    "mobile": _("mobile number"),
    "department": _("department"),
    "location": _("location"),
}


def reason_words(reason: str) -> str:
    """A stored reason such as ``send_otp:rate_limited:gave_up`` in words."""
    parts = [part for part in str(reason).split(":") if part]
    words = []
    from verification.providers.certificate.errors import MESSAGES, Reason

    for part in parts:
        known: object = REASON_WORDS.get(part)
        if known is None and part in Reason.__members__.values():
            known = MESSAGES.get(Reason(part))
        words.append(str(known) if known is not None else part.replace("_", " "))
    return ", ".join(words)


def _field_words(fields: list[str]) -> str:
    from tenants.models import Organization

    shown = []
    for name in fields:
        if name in FIELD_WORDS:
            shown.append(str(FIELD_WORDS[name]))
            continue
        try:
            shown.append(str(Organization._meta.get_field(name).verbose_name))
        except Exception:  # a field no longer on the model: its name
            shown.append(name.replace("_", " "))
    return ", ".join(shown)


def _when(value: str) -> str:
    from datetime import datetime

    from django.utils import timezone
    from django.utils.formats import date_format

    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    return date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "DATETIME_FORMAT")


#: Counts events record, as words (the plural chosen by the count, ``n``).
COUNT_WORDS = {
    "created": ngettext_lazy("%(n)d added", "%(n)d added", "n"),
    "updated": ngettext_lazy("%(n)d updated", "%(n)d updated", "n"),
    "unchanged": ngettext_lazy("%(n)d unchanged", "%(n)d unchanged", "n"),
    "skipped": ngettext_lazy("%(n)d skipped", "%(n)d skipped", "n"),
    "invitations_revoked": ngettext_lazy(
        "%(n)d open invitation revoked", "%(n)d open invitations revoked", "n"
    ),
    "rows": ngettext_lazy("%(n)d row", "%(n)d rows", "n"),
    "tries_left": ngettext_lazy("%(n)d try left", "%(n)d tries left", "n"),
    "wrong_otps": ngettext_lazy("%(n)d wrong OTP", "%(n)d wrong OTPs", "n"),
    "status_records_erased": ngettext_lazy("%(n)d status record erased", "%(n)d status records erased", "n"),
    "sessions_ended": ngettext_lazy("%(n)d session ended", "%(n)d sessions ended", "n"),
    "retention_days": ngettext_lazy("after %(n)d day", "after %(n)d days", "n"),
}


def event_details(action: str, data: dict[str, object]) -> str:
    """The details of an event as words, in the active language ("" when there are none)."""
    from django.utils.translation import gettext, ngettext

    from tenants.members import Role
    from verification.providers.base import Method

    d = dict(data or {})
    words: list[str] = []

    def count(key: str) -> None:
        if key in d and d[key] is not None:
            words.append(str(COUNT_WORDS[key] % {"n": int(d[key])}))  # type: ignore[call-overload]

    if d.get("code"):
        words.append(gettext("code %(code)s") % {"code": d["code"]})
    if d.get("fields"):
        words.append(gettext("changed: %(fields)s") % {"fields": _field_words(list(d["fields"]))})  # type: ignore[call-overload]
    if d.get("expires_at"):
        words.append(gettext("the link works until %(when)s") % {"when": _when(str(d["expires_at"]))})
    if d.get("filename"):
        words.append(gettext("file “%(name)s”") % {"name": d["filename"]})
    count("created")
    count("updated")
    count("unchanged")
    count("skipped")
    count("invitations_revoked")
    if d.get("format"):
        words.append(str(d["format"]).upper())
    count("rows")
    if d.get("filters"):
        filters = d["filters"]
        shown = (
            ", ".join(f"{k}: {v}" for k, v in filters.items()) if isinstance(filters, dict) else str(filters)
        )
        words.append(gettext("filtered by %(filters)s") % {"filters": shown})
    if d.get("reminder"):
        words.append(gettext("reminder %(n)s") % {"n": d["reminder"]})
    if "manual" in d:
        words.append(gettext("sent by hand") if d["manual"] else gettext("sent by the schedule"))
    if d.get("sends"):
        words.append(gettext("OTP %(n)s of this check") % {"n": d["sends"]})
    count("tries_left")
    count("wrong_otps")
    if d.get("method"):
        try:
            words.append(str(Method(str(d["method"])).label))
        except ValueError:
            words.append(str(d["method"]))
    if d.get("awaiting_review"):
        words.append(gettext("awaiting HR's review"))
    if d.get("review_reason"):
        words.append(reason_words(str(d["review_reason"])))
    if d.get("reason"):
        words.append(reason_words(str(d["reason"])))
    if d.get("step"):
        words.append(reason_words(str(d["step"])))
    if d.get("delay_s") is not None and "delay_s" in d:
        words.append(gettext("trying again in %(s)s s") % {"s": d["delay_s"]})
    if d.get("notice_version"):
        words.append(notice_words(str(d["notice_version"]), str(d.get("language") or "")))
    if d.get("mobile") == "on_file":
        words.append(gettext("the number on file"))
    elif d.get("mobile") == "changed_by_employee":
        words.append(gettext("another number the employee entered"))
    if d.get("name_match"):
        words.append(gettext("name: %(how)s") % {"how": reason_words(str(d["name_match"]))})
    if "sent" in d:
        words.append(gettext("code sent") if d["sent"] else gettext("no code sent"))
    if d.get("refused"):
        words.append(reason_words(str(d["refused"])))
    count("status_records_erased")
    if d.get("device"):
        device = str(d["device"])
        words.append(
            gettext("with a backup code") if device == "backup" else gettext("with an authenticator app")
        )
    if d.get("username"):
        words.append(str(d["username"]))
    if d.get("email"):
        words.append(str(d["email"]))
    if d.get("role"):
        try:
            words.append(str(Role(str(d["role"])).label))
        except ValueError:
            words.append(str(d["role"]))
    if d.get("user_ids") is not None and "user_ids" in d:
        n = len(d["user_ids"])  # type: ignore[arg-type]
        words.append(ngettext("%(n)d account", "%(n)d accounts", n) % {"n": n})
    if d.get("limit"):
        words.append(gettext("limit %(limit)s") % {"limit": d["limit"]})
    count("sessions_ended")
    if d.get("name") and action == AuditAction.ORGANIZATION_CREATED:
        words.append(str(d["name"]))
    count("retention_days")
    return "; ".join(w for w in words if w)


def notice_words(version: str, language: str) -> str:
    """The notice's version and language in words ("notice version 2026-11, in Hindi")."""
    from django.utils.translation import get_language_info, gettext

    try:
        name = get_language_info(language)["name_translated"] if language else ""
    except KeyError:
        name = language
    if not name:
        return gettext("notice version %(version)s") % {"version": version}
    return gettext("notice version %(version)s, in %(language)s") % {"version": version, "language": name}


def actor_words(actor_kind: str, actor_label: str) -> str:
    """Who did it: the member of staff's sign-in name, the employee through their link, or Tika."""
    if actor_kind == "staff":
        return actor_label
    if actor_kind == "employee":
        return str(_("the employee, through their link"))
    return str(_("Tika, automatically"))
