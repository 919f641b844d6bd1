"""Invitations: an employee's personal link."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from verification.crypto import EncryptedTextField
from verification.models.employees import Channel, Employee


class Invitation(models.Model):
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    # The token itself, encrypted, so workers can put the link in e-mails and reminders
    # (Celery messages carry only the invitation's id).
    token = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    # (A database default too: benchmarks and imports write rows with COPY.)
    channel = models.CharField(
        max_length=8, choices=Channel.choices, default=Channel.EMAIL, db_default="email"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # Set when the employee finished or declined: the link then only allows withdrawal.
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer invitation replaced this one.
    revoked_at = models.DateTimeField(null=True, blank=True)
    #: When the employee last used the link: a step of the consent and verification flow, a
    #: right view code, or a page seen by a browser allowed to see the status. Opening the
    #: link in any other browser is not a use. Written at most once per
    #: LINK_USE_WRITE_INTERVAL_S. The status and the employee's data are shown only while
    #: the organization's link_view_days have not passed since (services.employee_access).
    last_used_at = models.DateTimeField(null=True, blank=True)
    #: Set when too many wrong OTPs were entered (MAX_WRONG_OTPS_PER_DAY): the link can no
    #: longer be used to verify, only to withdraw, until HR sends a new invitation.
    otp_locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation {self.pk} for employee {self.employee_id}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at
