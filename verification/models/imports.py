"""Uploads of employee files, from preview to import."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from verification.crypto import EncryptedBinaryField
from verification.models.choices import ChoiceLabels


class ImportJob(ChoiceLabels, models.Model):
    """A CSV/XLSX upload of employees: validated into a preview, written only when HR confirms.

    The file is kept in the database (bounded by IMPORT_MAX_BYTES) so any worker can read it,
    encrypted like mobile numbers (it holds them), and dropped (emptied) once the job is
    done, cancelled or failed.
    """

    class Status(models.TextChoices):
        # uploaded -> validating -> (mapping -> uploaded ->) validated -> confirmed -> importing
        # -> done; failed from any step, cancelled from any step before importing (nothing
        # is written until then).
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATING = "validating", _("Checking")
        MAPPING = "mapping", _("Columns to map")
        VALIDATED = "validated", _("Ready to import")
        CONFIRMED = "confirmed", _("Waiting to import")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    content = EncryptedBinaryField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # {"create": n, "update": n, "unchanged": n, "error": n}
    summary = models.JSONField(default=dict, blank=True)
    # [{"line": n, "column": "...", "message": "..."}], capped
    errors = models.JSONField(default=list, blank=True)
    failure = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.status})"


class ImportColumnMapping(models.Model):
    """HR's answer for a column no alias matches ("Branch Name" is the location, "Remarks" is
    ignored), remembered for this organization's next uploads (one schema each)."""

    header = models.CharField(max_length=100, unique=True)  # ``columns.header_key`` of the header
    label = models.CharField(max_length=100)  # the header as HR's file last wrote it
    field = models.CharField(max_length=20, blank=True)  # a canonical field; "" = ignore
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["header"]

    def __str__(self) -> str:
        return f"{self.label} -> {self.field or '(ignored)'}"
