"""Why a certificate was refused or could not be read, and what the person should do.

Every refusal has a stable ``code`` (for logs, the command's ``--json`` and the feature
layer) and a translatable ``message`` written for the employee. Neither ever contains a name,
a date of birth, an identity number or any other value read from the certificate.
"""

from __future__ import annotations

import enum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Reason(enum.StrEnum):
    # The input could not be read as a certificate (the command exits 2).
    FILE_TOO_LARGE = "file_too_large"
    UNSUPPORTED_FILE = "unsupported_file"
    IMAGE_TOO_LARGE = "image_too_large"
    TOO_MANY_PAGES = "too_many_pages"
    NO_QR_CODE = "no_qr_code"
    NOT_A_CERTIFICATE = "not_a_certificate"
    NO_CERTIFICATE_JSON = "no_certificate_json"
    ARCHIVE_TOO_LARGE = "archive_too_large"
    JSON_INVALID = "json_invalid"
    JSON_TOO_LARGE = "json_too_large"
    # A certificate was read, and it does not verify (the command exits 1).
    NOT_COWIN_FORMAT = "not_cowin_format"
    UNKNOWN_CONTEXT = "unknown_context"
    UNSUPPORTED_PROOF = "unsupported_proof"
    UNKNOWN_VERIFICATION_METHOD = "unknown_verification_method"
    DEMO_KEY = "demo_key"
    SIGNATURE_INVALID = "signature_invalid"
    WRONG_ISSUER = "wrong_issuer"
    UNSIGNED_FIELD = "unsigned_field"
    UNKNOWN_VACCINE = "unknown_vaccine"
    AMBIGUOUS_VACCINE = "ambiguous_vaccine"
    DOSE_SCHEDULE_MISMATCH = "dose_schedule_mismatch"
    DATE_IMPLAUSIBLE = "date_implausible"
    CERTIFICATE_ID_UNBOUND = "certificate_id_unbound"
    REVOKED = "revoked"


#: What to do when a file could not be read (``CertificateUnreadable.hint``).
UPLOAD_HINT = _(
    "Upload the certificate PDF downloaded from CoWIN (or DigiLocker, UMANG, Aarogya Setu), "
    "or a clear photo or screenshot of its QR code."
)

MESSAGES: dict[Reason, Promise] = {
    Reason.FILE_TOO_LARGE: _("This file is too large to be a vaccination certificate."),
    Reason.UNSUPPORTED_FILE: _("This file is not a PDF, PNG or JPEG image, or it is damaged."),
    Reason.IMAGE_TOO_LARGE: _(
        "This image has too many pixels. Crop it to the QR code or take a smaller photo."
    ),
    Reason.TOO_MANY_PAGES: _("This PDF has too many pages to be a CoWIN certificate."),
    Reason.NO_QR_CODE: _(
        "No QR code could be read in this file. Make sure the whole QR code is sharp and visible."
    ),
    Reason.NOT_A_CERTIFICATE: _("The QR code in this file is not a CoWIN vaccination certificate."),
    Reason.NO_CERTIFICATE_JSON: _(
        "The QR code does not hold a CoWIN certificate (certificate.json is missing)."
    ),
    Reason.ARCHIVE_TOO_LARGE: _("The QR code holds more data than a CoWIN certificate ever does."),
    Reason.JSON_INVALID: _("The certificate data in this QR code is damaged."),
    Reason.JSON_TOO_LARGE: _(
        "The certificate data in this QR code is larger or deeper than a CoWIN certificate."
    ),
    Reason.NOT_COWIN_FORMAT: _("This is not a CoWIN vaccination certificate."),
    Reason.UNKNOWN_CONTEXT: _("This certificate uses a format Tika does not accept."),
    Reason.UNSUPPORTED_PROOF: _("This certificate's signature is of a kind CoWIN does not use."),
    Reason.UNKNOWN_VERIFICATION_METHOD: _("This certificate was not signed by CoWIN."),
    Reason.DEMO_KEY: _(
        "This certificate is signed with a public test key that anyone can use; it is not valid."
    ),
    Reason.SIGNATURE_INVALID: _(
        "This certificate's signature does not match: it was changed after CoWIN signed it, "
        "or CoWIN did not sign it."
    ),
    Reason.WRONG_ISSUER: _("This certificate was not issued by CoWIN."),
    Reason.UNSIGNED_FIELD: _("Some details shown on this certificate are not covered by CoWIN's signature."),
    Reason.UNKNOWN_VACCINE: _(
        "This certificate names a vaccine Tika does not know; HR can check it by hand."
    ),
    Reason.AMBIGUOUS_VACCINE: _("This certificate's vaccine details do not agree with each other."),
    Reason.DOSE_SCHEDULE_MISMATCH: _("The doses on this certificate do not match the vaccine's schedule."),
    Reason.DATE_IMPLAUSIBLE: _("The dates on this certificate are not possible for a CoWIN vaccination."),
    Reason.CERTIFICATE_ID_UNBOUND: _("This certificate's id is not covered by CoWIN's signature."),
    Reason.REVOKED: _("CoWIN has revoked this certificate."),
}


class ReviewReason(enum.StrEnum):
    """Doubts that do not refuse the certificate but ask a person (HR) to look at it."""

    DATE_AMBIGUOUS = "date_ambiguous"
    DOSE_UNUSUAL = "dose_unusual"


REVIEW_MESSAGES: dict[ReviewReason, Promise] = {
    ReviewReason.DATE_AMBIGUOUS: _(
        "The signature does not tell the date of the last dose apart from the certificate's "
        "other dates; check the date on the certificate."
    ),
    ReviewReason.DOSE_UNUSUAL: _(
        "The certificate records more doses than the schedule and one precaution dose."
    ),
}


class CertificateError(Exception):
    """Base of the verifier's refusals. ``code`` is stable; ``message`` is for the person."""

    exit_code = 1

    def __init__(self, reason: Reason, detail: str = "") -> None:
        self.reason = reason
        self.code = reason.value
        self.message = MESSAGES[reason]
        # For operators and logs only: English, never a value read from the certificate.
        self.detail = detail
        super().__init__(f"{self.code}: {detail}" if detail else self.code)


class CertificateUnreadable(CertificateError):
    """The input is not a file, image, QR code or archive that holds a readable certificate."""

    exit_code = 2
    hint = UPLOAD_HINT


class CertificateRefused(CertificateError):
    """A certificate was read and does not verify: it must not be believed."""

    exit_code = 1


class CertificateConfigError(Exception):
    """The verifier's configuration is unusable (a key file, an untrustworthy key)."""
