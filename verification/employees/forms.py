"""Forms of HR's employee pages: add, edit, the directory's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.validators import validate_plain_text
from verification.buckets import SET_LABELS
from verification.employees.bulk import BULK_LABELS, BulkAction
from verification.employees.selectors import (
    DEFAULT_SORT,
    DIRECTORY_SORTS,
    STATUS_NONE,
    EmployeeFilters,
    employee_code_exists,
)
from verification.models import Employee, Method, Progress, VaccinationStatus
from verification.phones import Typed, normalize_indian_mobile_explained

_NOT_SAVED_BY_BROWSER = {"autocomplete": "off"}  # HR types someone else's details here


class EmployeeForm(forms.Form):
    code = forms.CharField(
        label=_("Employee code"),
        max_length=Employee._meta.get_field("code").max_length,
        validators=[validate_plain_text],
        help_text=_("Your own identifier for this person, such as their payroll number."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=Employee._meta.get_field("full_name").max_length,
        validators=[validate_plain_text],
        help_text=_("As on their vaccination certificate."),
        widget=forms.TextInput(attrs=_NOT_SAVED_BY_BROWSER),
    )
    email = forms.EmailField(
        label=_("Email (optional with a mobile)"),
        required=False,
        max_length=Employee._meta.get_field("email").max_length,
        help_text=_("The invitation is e-mailed here. Without one, it goes by SMS or as a printed letter."),
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
        validators=[validate_plain_text],
        widget=forms.TextInput(attrs=_NOT_SAVED_BY_BROWSER),
    )
    location = forms.CharField(
        label=_("Location (optional)"),
        required=False,
        max_length=Employee._meta.get_field("location").max_length,
        validators=[validate_plain_text],
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
        # The same check the service makes, so its message shows on this field, saying why.
        return normalize_indian_mobile_explained(mobile, Typed.FORM) if mobile else None

    no_way_to_reach_message = _("Give an e-mail or a mobile number: the invitation needs one of them.")

    def _has_mobile(self) -> bool:
        return bool(self.cleaned_data.get("mobile"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Both fields valid but empty: nothing to reach the person by.
        if "email" in cleaned and "mobile" in cleaned and not cleaned["email"] and not self._has_mobile():
            self.add_error("email", self.no_way_to_reach_message)
        return cleaned


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


class EmployeeEditForm(EmployeeForm):
    """The same fields as when adding; the code may stay the employee's own."""

    def __init__(self, *args: Any, employee: Employee, **kwargs: Any) -> None:
        self.employee = employee
        initial = {
            "code": employee.code,
            "full_name": employee.full_name,
            "email": employee.email,
            "department": employee.department,
            "location": employee.location,
        }
        kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        # The stored number is never sent back to the browser: blank keeps it.
        self.fields["mobile"].label = _("Mobile")
        self.fields["mobile"].help_text = (
            _("On record: %(masked)s. Leave blank to keep it.") % {"masked": employee.mobile_masked}
            if employee.mobile_last4
            else _("An Indian mobile number, such as 98765 43210. Employees can also enter their own.")
        )

    def _has_mobile(self) -> bool:
        return bool(self.cleaned_data.get("mobile") or self.employee.mobile_last4)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if code != self.employee.code and employee_code_exists(code):
            raise forms.ValidationError(self.code_taken_message, code="taken")
        return code


class EmployeeFilterForm(forms.Form):
    """The directory's query string (also the exports'). Invalid values are dropped, never an
    error: a stale bookmark still shows the directory."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Vaccination status"),
        required=False,
        choices=[
            ("", _("All")),
            *((str(value), label) for value, label in VaccinationStatus.choices),
            (STATUS_NONE, _("No status on record")),
        ],
    )
    progress = forms.ChoiceField(
        label=_("Progress"), required=False, choices=[("", _("All")), *Progress.choices]
    )
    # Free text, matched exactly: the directory offers the names on record.
    department = forms.CharField(label=_("Department"), required=False, max_length=100)
    location = forms.CharField(label=_("Location"), required=False, max_length=100)
    active = forms.ChoiceField(
        label=_("Active"),
        required=False,
        choices=[("", _("All")), ("yes", _("Active")), ("no", _("Inactive"))],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=[(key, key) for key in DIRECTORY_SORTS]
    )
    # Set by the dashboard's links (shown above the table, with a way to clear them).
    bucket = forms.ChoiceField(required=False, choices=[("", ""), *SET_LABELS.items()])
    method = forms.ChoiceField(required=False, choices=[("", ""), *Method.choices])

    def filters(self) -> EmployeeFilters:
        """The valid part of the query string as filters (every invalid field ignored)."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        active = {"yes": True, "no": False}.get(data.get("active") or "")
        return EmployeeFilters(
            search=(data.get("q") or "").strip(),
            status=data.get("status") or "",
            progress=data.get("progress") or "",
            department=data.get("department") or "",
            location=data.get("location") or "",
            active=active,
            sort=data.get("sort") or DEFAULT_SORT,
            bucket=data.get("bucket") or "",
            method=data.get("method") or "",
        )

    def narrowed_by(self) -> list[str]:
        """What the dashboard's link narrowed the directory to, in words (none: empty)."""
        filters = self.filters()
        shown = []
        if filters.bucket:
            shown.append(str(SET_LABELS[filters.bucket]))
        if filters.method:
            shown.append(str(Method(filters.method).label))
        return shown


class EmployeesTickedForm(forms.Form):
    """The employees ticked in the directory (for a download of their letters)."""

    employee_ids = EmployeeIdsField(required=False)


class BulkActionForm(forms.Form):
    """A bulk action of the directory: on the ticked employees, or on all the filters match
    (the filters travel in the same POST, named as in the directory's query string)."""

    SELECTED, MATCHING = "selected", "matching"

    action = forms.ChoiceField(
        label=_("Action"),
        choices=[(action.value, label) for action, label in BULK_LABELS.items()],
    )
    scope = forms.ChoiceField(choices=[(SELECTED, SELECTED), (MATCHING, MATCHING)])
    employee_ids = EmployeeIdsField(required=False)
    confirmed = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("scope") == self.SELECTED and not cleaned.get("employee_ids"):
            raise forms.ValidationError(
                _("Tick the employees first, or choose all that match."), code="empty"
            )
        return cleaned

    @property
    def bulk_action(self) -> BulkAction:
        return BulkAction(self.cleaned_data["action"])
