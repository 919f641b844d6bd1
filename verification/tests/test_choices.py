"""``get_FOO_display()`` through verification.models.choices: the same labels as Django's own,
in the language active at the call, for every choice of every model that uses it."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation

from verification.models import AuditEvent, Consent, Employee, ImportJob, StatusRecord, VerificationAttempt
from verification.models.choices import ChoiceLabels

MODELS = (Employee, VerificationAttempt, StatusRecord, AuditEvent, Consent, ImportJob)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("language", ["en", "hi"])
def test_every_label_is_djangos_own_in_the_active_language(model, language):  # type: ignore[no-untyped-def]
    assert issubclass(model, ChoiceLabels)
    fields = [f for f in model._meta.concrete_fields if f.choices]
    assert fields
    with translation.override(language):
        for field in fields:
            display = getattr(model, f"get_{field.name}_display")
            for value, _label in [*field.flatchoices, ("not-a-choice", "")]:
                row = model(**{field.attname: value})
                assert display(row) == models.Model._get_FIELD_display(row, field), (  # type: ignore[attr-defined]
                    field.name,
                    value,
                )


def test_a_label_changes_with_the_language_of_the_moment():
    row = Employee(progress="verified")
    with translation.override("en"):
        english = row.get_progress_display()
    with translation.override("hi"):
        hindi = row.get_progress_display()
    assert english == "Verified"
    assert hindi != english and hindi
