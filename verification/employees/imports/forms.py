"""The upload form of the employee import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verification.employees.imports.columns import COLUMN_ALIASES, FIELD_LABELS, IGNORE


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV or Excel file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
        error_messages={
            "required": gettext_lazy("Choose a file to upload."),
            "empty": gettext_lazy("The file is empty."),
        },
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        # Checked before the file is read into memory.
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB. Split it into smaller files.")
                % {"limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class ColumnMappingForm(forms.Form):
    """One choice per column no alias matched: which field it holds, or "ignore". A field may
    be chosen once, and not for a field another column already gives; every required field
    must end up with a column."""

    def __init__(
        self,
        data: Any = None,
        *,
        unmapped: list[dict[str, str]],
        present: list[str],
        missing: list[str],
    ) -> None:
        super().__init__(data)
        self.unmapped, self.present, self.missing = unmapped, present, missing
        free = [(name, FIELD_LABELS[name]) for name in COLUMN_ALIASES if name not in present]
        choices = [(IGNORE_CHOICE, gettext_lazy("Ignore this column")), *free]
        for index, read in enumerate(unmapped):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=read["header"], choices=choices, initial=IGNORE_CHOICE
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen: dict[str, str] = {}
        for index, read in enumerate(self.unmapped):
            name = cleaned.get(f"column_{index}")
            if not name or name == IGNORE_CHOICE:
                continue
            if name in chosen:
                self.add_error(
                    f"column_{index}",
                    _("“%(other)s” is already %(field)s: choose one column for it.")
                    % {"other": chosen[name], "field": FIELD_LABELS[name]},
                )
            chosen[name] = read["header"]
        still = [
            FIELD_LABELS[name]
            for name in self.missing
            if name not in chosen and not (name == "email" and "mobile" in chosen)
        ]
        if still and not self.errors:
            raise forms.ValidationError(
                _("The file still has no column for: %(fields)s. Choose the column that holds it.")
                % {"fields": ", ".join(str(label) for label in still)}
            )
        return cleaned

    def choices(self) -> dict[str, tuple[str, str]]:
        """header key -> (the header as written, a field or IGNORE), for the service."""
        answers = {}
        for index, read in enumerate(self.unmapped):
            name = self.cleaned_data[f"column_{index}"]
            answers[read["key"]] = (read["header"], IGNORE if name == IGNORE_CHOICE else name)
        return answers


#: The form's value for "ignore" (a choice cannot be the empty string: it reads as none).
IGNORE_CHOICE = "ignore"
