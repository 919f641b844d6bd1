"""Invitations of teammates to the organization's staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class StaffInvitation(models.Model):
    """An invitation of a teammate to join this organization's staff (the team page).

    Only a hash of the link's token is kept; the row lives in the organization's schema, so a
    link means nothing on another organization's site. Usable while neither accepted, revoked
    nor expired.
    """

    email = models.EmailField()
    role = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Revoked by an Owner, or replaced by a newer invitation of the same address.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"Staff invitation {self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and timezone.now() < self.expires_at
