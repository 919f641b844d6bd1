"""Forms of the employee's consent pages."""

from __future__ import annotations

import base64
import binascii
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from tenants.validators import validate_plain_text
from verification.phones import Typed, normalize_indian_mobile_explained


class AgreeForm(forms.Form):
    agree = forms.BooleanField(
        label=_(
            "I have read this notice and I agree that my vaccination status may be fetched "
            "from CoWIN and shared with my employer as described."
        ),
        required=True,
        error_messages={"required": _("Tick the box to agree, or choose Decline.")},
    )


class DetailsForm(forms.Form):
    """Name and number for CoWIN. The number on file is the default (the employee confirms it
    without typing it); another number may be entered instead."""

    ON_FILE, OTHER = "on_file", "other"

    full_name = forms.CharField(
        label=_("Your name as registered on CoWIN"),
        max_length=150,
        validators=[validate_plain_text],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    number = forms.ChoiceField(
        label=_("Mobile number registered on CoWIN"),
        choices=[(ON_FILE, _("The number on file")), (OTHER, _("Another number"))],
        initial=ON_FILE,
        widget=forms.RadioSelect,
    )
    mobile = forms.CharField(
        label=_("Another mobile number"),
        max_length=20,
        required=False,
        help_text=_(
            "10 digits. CoWIN will send the OTP by SMS to this number. Your name must then be "
            "the name on file, and your HR team reviews the result before it counts."
        ),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel-national"}),
    )

    def __init__(self, *args: Any, mobile_last4: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mobile_last4 = mobile_last4
        if mobile_last4:
            number = cast(forms.ChoiceField, self.fields["number"])
            number.choices = [
                (self.ON_FILE, _("The number on file, ending in %(last4)s") % {"last4": mobile_last4}),
                (self.OTHER, _("Another number")),
            ]
        else:
            # Nothing on file to offer: the number must be entered.
            del self.fields["number"]
            self.fields["mobile"].label = _("Mobile number registered on CoWIN")
            self.fields["mobile"].required = True

    def clean_mobile(self) -> str:
        if "number" in self.fields and self.cleaned_data.get("number") == self.ON_FILE:
            return ""  # whatever was typed there is not used
        raw = self.cleaned_data["mobile"]
        # What is wrong with it, in the employee's words (too short by how much, a landline...).
        return normalize_indian_mobile_explained(raw, Typed.OWN) if raw and raw.strip() else ""

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("number") == self.OTHER and not cleaned.get("mobile") and "mobile" not in self.errors:
            self.add_error("mobile", _("Enter the other number, or choose the number on file."))
        return cleaned

    def chosen_mobile(self) -> str | None:
        """The number the employee chose: None for the one on file."""
        if "number" in self.fields and self.cleaned_data.get("number") != self.OTHER:
            return None
        return self.cleaned_data.get("mobile") or None


class OtpForm(forms.Form):
    otp = forms.CharField(
        label=_("OTP from CoWIN"),
        max_length=6,
        min_length=6,
        validators=[RegexValidator(r"^\d{6}$", _("The OTP is 6 digits."))],
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": r"\d{6}",
                "autofocus": True,
            }
        ),
    )


class ViewCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the e-mail"),
        max_length=6,
        min_length=6,
        validators=[RegexValidator(r"^\d{6}$", _("The code is 6 digits."))],
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": r"\d{6}",
                "autofocus": True,
            }
        ),
    )


# A QR code holds at most 2,953 bytes; its base64 is a third longer.
QR_BYTES_MAX = 4096
#: How a PDF, a PNG and a JPEG file begin.
CERTIFICATE_FILE_STARTS = (b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


class CertificateForm(forms.Form):
    """The certificate as a file (the PDF, or a photo or screenshot of its QR code), or the QR
    code's bytes as the camera scan read them in the browser (base64)."""

    file = forms.FileField(
        label=_("Your vaccination certificate"),
        required=False,
        help_text=_(
            "The PDF from CoWIN, DigiLocker or UMANG, or a clear photo or screenshot of its QR code."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )
    qr = forms.CharField(required=False, widget=forms.HiddenInput, max_length=QR_BYTES_MAX * 4 // 3 + 8)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload, qr = cleaned.get("file"), (cleaned.get("qr") or "").strip()
        if upload is None and not qr:
            raise forms.ValidationError(
                _("Choose the certificate file, or scan its QR code with the camera."), code="empty"
            )
        if upload is not None and upload.size > settings.CERTIFICATE_MAX_UPLOAD_BYTES:
            # Checked before the file is read.
            self.add_error("file", _("This file is too large to be a vaccination certificate."))
        elif upload is not None:
            # A file is the certificate PDF or a picture of its QR code (the QR code's own bytes
            # come from the camera scan, not as a file).
            start = upload.read(8)
            upload.seek(0)
            if not start.startswith(CERTIFICATE_FILE_STARTS):
                self.add_error("file", _("This file is not a PDF, PNG or JPEG image, or it is damaged."))
        if qr:
            try:
                cleaned["qr_bytes"] = base64.b64decode(qr, validate=True)
            except (binascii.Error, ValueError):
                raise forms.ValidationError(
                    _("The camera scan did not come through. Scan again, or upload the file."), code="qr"
                ) from None
        return cleaned

    def certificate_bytes(self) -> bytes:
        """What to verify: the scanned QR code's bytes, else the uploaded file."""
        if self.cleaned_data.get("qr_bytes"):
            return bytes(self.cleaned_data["qr_bytes"])
        upload = self.cleaned_data["file"]
        return bytes(upload.read())
