"""Forms of the employee's consent pages."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from verification.phones import normalize_indian_mobile


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
    full_name = forms.CharField(
        label=_("Your name as registered on CoWIN"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    mobile = forms.CharField(
        label=_("Mobile number registered on CoWIN"),
        max_length=20,
        help_text=_("10 digits. CoWIN will send the OTP by SMS to this number."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel-national"}),
    )

    def clean_mobile(self) -> str:
        return normalize_indian_mobile(self.cleaned_data["mobile"])

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name


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
