"""Forms of the staff account pages: sign-in, two-factor codes, the team, settings, the audit log."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from tenants.members import Role
from tenants.models import Organization
from tenants.validators import time_zone_names, validate_plain_text
from verification.attempts.selectors import kycvs_available
from verification.audit import action_label
from verification.models import AuditEvent


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


#: A field that takes an app's 6 digits or a backup code (letters and digits): a full
#: keyboard, not a numeric keypad, and no autocorrection of the code.
ANY_CODE_ATTRS = {
    "inputmode": "text",
    "autocomplete": "one-time-code",
    "autocapitalize": "none",
    "autocorrect": "off",
    "spellcheck": "false",
    "autofocus": True,
}


class CodeForm(forms.Form):
    """The second factor at sign-in: an app's code or a backup code. (Set up, it is the app's
    6 digits only: ``numeric``.)"""

    code = forms.CharField(label=_("Code"), max_length=16, widget=forms.TextInput(attrs=ANY_CODE_ATTRS))

    def __init__(self, *args, numeric: bool = False, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if numeric:
            self.fields["code"].widget.attrs.update({"inputmode": "numeric", "pattern": r"\d*"})
            self.fields["code"].label = _("6-digit code from the app")


class CurrentCodeForm(forms.Form):
    current_code = forms.CharField(
        label=_("Current code (from your authenticator app, or a backup code)"),
        max_length=16,
        widget=forms.TextInput(attrs=ANY_CODE_ATTRS),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    # The least powerful role unless the Owner chooses more.
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices, initial=Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class JoinForm(forms.Form):
    full_name = forms.CharField(
        label=gettext_lazy("Your full name"), max_length=150, validators=[validate_plain_text]
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class SettingsForm(forms.ModelForm):
    reminder_days = forms.CharField(
        label=gettext_lazy("Reminder days"),
        required=False,
        help_text=gettext_lazy(
            "Days after the invitation, comma-separated, for example 3, 7. Leave empty for none."
        ),
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "grievance_contact_name",
            "grievance_contact_email",
            "invitation_expiry_days",
            "reminder_days",
            "dashboard_min_group_size",
            "retention_days",
            "link_view_days",
            "verification_methods",
            "time_zone",
        ]
        labels = {
            "name": gettext_lazy("Display name"),
            "grievance_contact_name": gettext_lazy("Grievance / privacy contact (name)"),
            "grievance_contact_email": gettext_lazy("Grievance / privacy contact (e-mail)"),
            "invitation_expiry_days": gettext_lazy("Invitation links expire after (days)"),
            "dashboard_min_group_size": gettext_lazy("Smallest group shown on the dashboard"),
            "retention_days": gettext_lazy(
                "Erase status and mobile number this many days after deactivation or withdrawal"
            ),
            "link_view_days": gettext_lazy("Employee links show the status for (days after last use)"),
            "verification_methods": gettext_lazy("Ways employees may verify"),
            "time_zone": gettext_lazy("Time zone"),
        }
        help_texts = {
            "time_zone": gettext_lazy("Dates and times on pages, in e-mails and in exports are shown in it."),
            "grievance_contact_email": gettext_lazy("Shown to employees on the consent notice."),
            "dashboard_min_group_size": gettext_lazy(
                "Smaller departments and locations are merged into “Other”."
            ),
            "link_view_days": gettext_lazy(
                "Once an employee's link has not been used for this many days, it shows their status "
                "and data only after a one-time code e-mailed to them. Withdrawal always works. "
                "Between 1 and 365."
            ),
        }

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if not kycvs_available():
            self.fields["verification_methods"].help_text = gettext_lazy(
                "This Tika has no CoWIN KYC-VS partner key, so employees verify with their "
                "vaccination certificate whatever is chosen here."
            )
        else:
            self.fields["verification_methods"].help_text = gettext_lazy(
                "The certificate is checked offline against CoWIN's signature; the one-time password "
                "needs CoWIN's KYC-VS service to answer."
            )
        self.fields["time_zone"].widget = forms.Select(choices=[(name, name) for name in time_zone_names()])
        # Names go into e-mail subjects and headings: one line, no control characters.
        for name in ("name", "grievance_contact_name"):
            self.fields[name].validators.append(validate_plain_text)
        if not self.is_bound:
            self.initial["reminder_days"] = ", ".join(str(d) for d in self.instance.reminder_days or [])

    def clean_reminder_days(self) -> list[int]:
        raw = self.cleaned_data["reminder_days"] or ""
        try:
            days = sorted({int(part) for part in raw.replace(";", ",").split(",") if part.strip()})
        except ValueError:
            raise forms.ValidationError(_("Use whole numbers of days, separated by commas.")) from None
        if any(d < 1 or d > 60 for d in days) or len(days) > 5:
            raise forms.ValidationError(_("Up to 5 reminders, each between 1 and 60 days."))
        return days

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean() or {}
        for field, low, high in (
            ("invitation_expiry_days", 1, 60),
            ("dashboard_min_group_size", 1, 50),
            ("retention_days", 0, 3650),
            ("link_view_days", 1, 365),
        ):
            value = cleaned.get(field)
            if value is not None and not low <= value <= high:
                self.add_error(field, _("Between %(low)d and %(high)d.") % {"low": low, "high": high})
        return cleaned


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=gettext_lazy("Who"), required=False)
    action = forms.ChoiceField(label=gettext_lazy("What"), required=False)
    employee = forms.CharField(label=gettext_lazy("Employee code"), required=False)
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
        named = sorted(((a, action_label(a)) for a in actions), key=lambda choice: choice[1])
        self.fields["action"].choices = [("", _("Any")), *named]  # type: ignore[attr-defined]
