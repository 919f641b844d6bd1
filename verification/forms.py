from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from verification.models import Employee
from verification.phones import normalize_indian_mobile
from verification.selectors import employee_code_exists


class EmailAuthenticationForm(AuthenticationForm):
    """Staff sign in with their e-mail address (stored as the username, lowercased)."""

    username = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Please enter a correct email and password. The password is case-sensitive."),
    }

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email")

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


# --- employees -----------------------------------------------------------------------------

_NOT_SAVED_BY_BROWSER = {"autocomplete": "off"}  # HR types someone else's details here


class EmployeeForm(forms.Form):
    code = forms.CharField(
        label=_("Employee code"),
        max_length=Employee._meta.get_field("code").max_length,
        help_text=_("Your own identifier for this person, such as their payroll number."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=Employee._meta.get_field("full_name").max_length,
        help_text=_("As on their vaccination certificate."),
        widget=forms.TextInput(attrs=_NOT_SAVED_BY_BROWSER),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=Employee._meta.get_field("email").max_length,
        help_text=_("The invitation is sent here."),
        widget=forms.EmailInput(attrs=_NOT_SAVED_BY_BROWSER),
    )
    mobile = forms.CharField(
        label=_("Mobile (optional)"),
        required=False,
        max_length=20,
        help_text=_("An Indian mobile number, such as 98765 43210. Employees can also enter their own."),
        widget=forms.TextInput(attrs={**_NOT_SAVED_BY_BROWSER, "inputmode": "tel"}),
    )
    department = forms.CharField(
        label=_("Department (optional)"),
        required=False,
        max_length=Employee._meta.get_field("department").max_length,
        widget=forms.TextInput(attrs=_NOT_SAVED_BY_BROWSER),
    )
    location = forms.CharField(
        label=_("Location (optional)"),
        required=False,
        max_length=Employee._meta.get_field("location").max_length,
        widget=forms.TextInput(attrs=_NOT_SAVED_BY_BROWSER),
    )

    code_taken_message = _("An employee with this code already exists.")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if employee_code_exists(code):
            raise forms.ValidationError(self.code_taken_message, code="taken")
        return code

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_mobile(self) -> str | None:
        mobile = self.cleaned_data["mobile"].strip()
        # The same check the service makes, so its message shows on this field.
        return normalize_indian_mobile(mobile) if mobile else None


_MAX_ID = 2**63 - 1  # a bigint primary key


class EmployeeIdsField(forms.Field):
    """Employee ids posted as a list (one checkbox each). Anything that cannot be an id is
    dropped, as an id that names no employee would be."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        ids = []
        for raw in values:
            try:
                pk = int(raw)
            except (TypeError, ValueError):
                continue
            if 0 < pk <= _MAX_ID:
                ids.append(pk)
        return list(dict.fromkeys(ids))


class EmployeeInviteForm(forms.Form):
    employee_ids = EmployeeIdsField(required=False)
    all_not_invited = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("all_not_invited") and not cleaned.get("employee_ids"):
            raise forms.ValidationError(_("Select the employees to invite."), code="empty")
        return cleaned
