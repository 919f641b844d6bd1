"""The audit trail: append-only, one row per sensitive step."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from verification.audit import AuditAction
from verification.models.choices import ChoiceLabels


class AuditEvent(ChoiceLabels, models.Model):
    """Append-only: one row per sensitive step. Never holds a mobile number, OTP, token or a
    vaccination status (those are erased on withdrawal; the trail is not).

    Rows cannot be changed or removed: the model refuses, and a database trigger refuses too.
    """

    class ActorKind(models.TextChoices):
        STAFF = "staff", _("Staff")
        EMPLOYEE = "employee", _("Employee")
        SYSTEM = "system", _("System")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=50, db_index=True, choices=AuditAction.choices)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    # Plain ids, not foreign keys: the trail outlives what it mentions.
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    employee_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("Audit events are append-only.")
