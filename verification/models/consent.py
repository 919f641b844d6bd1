"""Consent given, declined or withdrawn, and the one-time codes that let another browser see what
the employee shared.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from verification.crypto import EncryptedTextField
from verification.models.choices import ChoiceLabels
from verification.models.employees import Employee
from verification.models.invitations import Invitation


class Consent(ChoiceLabels, models.Model):
    class Decision(models.TextChoices):
        GIVEN = "given", _("Given")
        DECLINED = "declined", _("Declined")

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="consents")
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="consents")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    notice_version = models.CharField(max_length=20)
    language = models.CharField(max_length=8)
    decided_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_ip_address = models.GenericIPAddressField(null=True, blank=True)
    withdrawn_user_agent = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"Consent {self.pk} ({self.state})"

    @property
    def state(self) -> str:
        return "withdrawn" if self.withdrawn_at else self.decision

    @property
    def is_active(self) -> bool:
        return self.decision == self.Decision.GIVEN and self.withdrawn_at is None

    def notice_words(self) -> str:
        """The notice's version and language in words ("notice version 2026-11, in Hindi")."""
        from verification.audit import notice_words

        return notice_words(self.notice_version, self.language)


class ViewCode(models.Model):
    """A one-time code e-mailed to the employee's address on file, so that a browser other than
    the one that verified may show their status and data for a while.

    Only its keyed hash is kept for checking; the code itself is kept encrypted only until a
    worker has e-mailed it.
    """

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="view_codes")
    code_hash = models.CharField(max_length=64)
    code = EncryptedTextField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    tries_left = models.PositiveSmallIntegerField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"View code {self.pk} for invitation {self.invitation_id}"
