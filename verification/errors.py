"""What the employee is told when something goes wrong: one code per situation, one message."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    WRONG_OTP = "wrong_otp", _("That OTP is not right.")
    OTP_EXPIRED = "otp_expired", _("That OTP has expired. Please ask for a new one.")
    RESEND_TOO_SOON = "resend_too_soon", _("An OTP was sent a moment ago. Please wait before asking again.")
    SEND_LIMIT = "send_limit", _("Too many OTPs were sent to you in the last hour. Please try again later.")
    SERVICE_BUSY = (
        "service_busy",
        _("CoWIN is busy right now. We will keep trying; you can leave this page open."),
    )
    NOT_FOUND = (
        "not_found",
        _(
            "The name does not match CoWIN's record for this number. Enter your name as it is on "
            "your vaccination certificate. CoWIN ties each answer to the name it was asked with, so "
            "checking the corrected name needs a new OTP."
        ),
    )
    INVALID_MOBILE = "invalid_mobile", _("CoWIN did not accept this mobile number.")
    OTP_NOT_SENT = (
        "otp_not_sent",
        _(
            "CoWIN would not send an OTP to this number right now. Please try again later, or "
            "verify with your vaccination certificate if your organization offers it."
        ),
    )
    FAILED = "failed", _("We could not complete the verification. Please try again later.")
    LINK_EXPIRED = "link_expired", _("This link has expired. Please ask your HR team for a new one.")
    TOO_MANY_REQUESTS = "too_many_requests", _("Too many requests. Please wait a minute and try again.")
    NAME_MISMATCH = (
        "name_mismatch",
        _(
            "To use a number other than the one your HR team has on file, enter your name as it is "
            "on file. Or use the number on file, or ask your HR team to correct your name or number."
        ),
    )
    NO_MOBILE_ON_FILE = (
        "no_mobile_on_file",
        _("Your HR team has no mobile number on file for you. Please enter the number registered on CoWIN."),
    )
    TOO_MANY_WRONG_OTPS = (
        "too_many_wrong_otps",
        _(
            "Too many wrong codes were entered. For your safety this link can no longer be used to "
            "verify. Please ask your HR team for a new link."
        ),
    )
    REVIEW_REJECTED = (
        "review_rejected",
        _(
            "Your HR team could not confirm that the number you used is yours, so the status from it "
            "was erased. Please verify with the number on file, or ask your HR team to update it."
        ),
    )
    CERTIFICATE_IN_USE = (
        "certificate_in_use",
        _(
            "This certificate has already been used to verify someone else in your organization. "
            "Upload your own certificate, or ask your HR team."
        ),
    )
    CERTIFICATE_LIMIT = (
        "certificate_limit",
        _("Too many certificates were uploaded in the last hour. Please try again later."),
    )
    VIEW_CODE_WRONG = "view_code_wrong", _("That code is not right.")
    VIEW_CODE_EXPIRED = (
        "view_code_expired",
        _("That code has expired or was used up. Please ask for a new one."),
    )
    VIEW_CODE_LIMIT = (
        "view_code_limit",
        _("Too many codes were sent in the last hour. Please try again later."),
    )


def message_for(code: str, **details: object) -> str:
    """The message for ``code`` (empty for none), with details such as tries left."""
    from django.utils.translation import gettext, ngettext

    if not code:
        return ""
    if code == ErrorCode.WRONG_OTP and "tries_left" in details:
        left = int(details["tries_left"])  # type: ignore[call-overload]
        return ngettext(
            "That OTP is not right. You have %(n)d more try.",
            "That OTP is not right. You have %(n)d more tries.",
            left,
        ) % {"n": left}
    if code == ErrorCode.VIEW_CODE_WRONG and "tries_left" in details:
        left = int(details["tries_left"])  # type: ignore[call-overload]
        return ngettext(
            "That code is not right. You have %(n)d more try.",
            "That code is not right. You have %(n)d more tries.",
            left,
        ) % {"n": left}
    if code == ErrorCode.RESEND_TOO_SOON and "seconds" in details:
        return gettext("An OTP was sent a moment ago. You can ask for a new one in %(s)d seconds.") % {
            "s": int(details["seconds"])  # type: ignore[call-overload]
        }
    try:
        return str(ErrorCode(code).label)
    except ValueError:
        return str(ErrorCode.FAILED.label)
