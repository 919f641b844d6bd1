"""Verification attempts (an explicit state machine) and the signed statuses they store.

The database is the truth for where every verification stands; Celery messages only say
"look at attempt N" (see verification/attempts/).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_mark
from verification.crypto import EncryptedTextField
from verification.models.choices import ChoiceLabels
from verification.models.consent import Consent
from verification.models.employees import Employee
from verification.providers.base import Method, VaccinationStatus


class VerificationAttempt(ChoiceLabels, models.Model):
    """One try at verifying an employee, as an explicit state machine.

    created -> otp_sent -> otp_submitted -> verified | failed | expired | cancelled
    (a wrong OTP goes back to otp_sent; a resend goes from otp_sent/expired to created).
    """

    class State(models.TextChoices):
        CREATED = "created", _("Sending OTP")
        OTP_SENT = "otp_sent", _("OTP sent")
        OTP_SUBMITTED = "otp_submitted", _("Checking OTP")
        VERIFIED = "verified", _("Verified")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("OTP expired")
        CANCELLED = "cancelled", _("Cancelled")

    class Review(models.TextChoices):
        """HR's review of a status that does not count until a person looked at it."""

        PENDING = "pending", _("Awaiting review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class ReviewReason(models.TextChoices):
        """Why a verified status waits for HR's review."""

        NUMBER_CHANGED = "number_changed", _("Verified through a number the employee entered")
        NAME_MISMATCH = "name_mismatch", _("The name on the certificate does not match the name on file")
        CERTIFICATE_DOUBT = "certificate_doubt", _("A detail of the certificate needs a person's look")

    TERMINAL = (State.VERIFIED, State.FAILED, State.CANCELLED)

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="attempts")
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="attempts")
    # KYC-VS (the OTP state machine below) or a certificate (verified at once, in the request).
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.KYCVS)
    state = models.CharField(max_length=16, choices=State.choices, default=State.CREATED)
    # The number the OTP goes to (encrypted) and the name sent to CoWIN. The number is the one
    # on file unless ``mobile_changed``: the employee entered another, which never replaces
    # the number on file.
    mobile = EncryptedTextField(null=True, blank=True)
    full_name = models.CharField(max_length=150)
    mobile_changed = models.BooleanField(default=False)
    # "" (no review needed) or Review: set to pending when a changed number verified.
    review = models.CharField(max_length=10, choices=Review.choices, blank=True, default="")
    review_reason = models.CharField(max_length=20, choices=ReviewReason.choices, blank=True, default="")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Digest of the id the browser session that submitted the current OTP keeps: that
    # session may see the result (services.employee_access).
    otp_submitter = models.CharField(max_length=64, blank=True)
    # Provider transaction of the current OTP.
    txn_id = models.CharField(max_length=100, blank=True)
    otp_sent_at = models.DateTimeField(null=True, blank=True)
    otp_expires_at = models.DateTimeField(null=True, blank=True)
    # The OTP the employee typed, encrypted, kept only until it has been confirmed.
    otp = EncryptedTextField(null=True, blank=True)
    otp_submitted_at = models.DateTimeField(null=True, blank=True)
    # Set (atomically) just before the one provider confirm call for the current OTP.
    confirm_started_at = models.DateTimeField(null=True, blank=True)
    # Access token from confirm, encrypted, kept until the status is stored.
    token = EncryptedTextField(null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # When a worker should look at this attempt next; the sweep re-enqueues overdue ones.
    next_action_at = models.DateTimeField(null=True, blank=True, db_index=True)
    otp_sends = models.PositiveSmallIntegerField(default=0)
    # Wrong tries of the current OTP (reset when a new OTP is sent). The long-term cap counts
    # the audit trail's otp.rejected events (services.attempts.wrong_otps_recent).
    wrong_otps = models.PositiveSmallIntegerField(default=0)
    tries_left = models.PositiveSmallIntegerField(null=True, blank=True)
    retries = models.PositiveSmallIntegerField(default=0)
    # The last thing the employee should be told (verification.errors.ErrorCode), and when
    # they may send a new OTP.
    error_code = models.CharField(max_length=32, blank=True)
    retry_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "next_action_at"]),
            # HR's review list: the few attempts awaiting review, from a small partial index.
            models.Index(
                fields=["finished_at"],
                condition=models.Q(review="pending"),
                name="attempt_review_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.pk} ({self.state})"

    # The sweep's deadline as loaded from the database (None: new, or not known).
    _loaded_sweep_due: datetime | None = None

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        # In the same transaction: the due-work index must never say later than this
        # attempt's next deadline. A deadline that moved later (or went away) needs no mark:
        # the index is already no later than the old one, and the next visit settles it
        # exactly; so do bulk .update()s elsewhere, which only ever move deadlines later or
        # end the attempt. Skipping those keeps busy organizations off the index row's lock.
        due = self.sweep_due_at()
        if due is not None and (self._loaded_sweep_due is None or due < self._loaded_sweep_due):
            due_work_mark(kind=DueKind.ATTEMPTS, at=due)
        self._loaded_sweep_due = due

    @classmethod
    def from_db(  # type: ignore[override]  # the stubs are a Django version ahead
        cls, db: str | None, field_names: Any, values: Any, **kwargs: Any
    ) -> VerificationAttempt:
        attempt = super().from_db(db, field_names, values, **kwargs)
        if not attempt.get_deferred_fields() & _SWEEP_FIELDS:
            attempt._loaded_sweep_due = attempt.sweep_due_at()
        return attempt

    @property
    def is_terminal(self) -> bool:
        return self.state in self.TERMINAL

    def sweep_due_at(self) -> datetime | None:
        """When the sweep (verification.attempts.sweep) would next act on this attempt, or
        None if it never will in this state. The sweep's conditions, per attempt: the same
        rules as ``attempts_next_due`` for the whole table."""
        grace = timedelta(seconds=settings.VERIFICATION_SWEEP_GRACE_S)
        state = self.state
        if state == self.State.CREATED and self.next_action_at is not None:
            return self.next_action_at + grace
        if state == self.State.OTP_SENT:
            return self.otp_expires_at
        if state == self.State.OTP_SUBMITTED:
            if self.confirm_started_at is not None and self.token is None:
                return self.confirm_started_at + timedelta(seconds=settings.VERIFICATION_CONFIRM_CLAIM_S)
            if self.next_action_at is not None:
                return self.next_action_at + grace
        return None


#: What ``VerificationAttempt.sweep_due_at`` reads.
_SWEEP_FIELDS = {"state", "next_action_at", "otp_expires_at", "confirm_started_at", "token"}


class StatusRecord(ChoiceLabels, models.Model):
    """A verified vaccination status with its signed evidence (encrypted at rest): the KYC-VS
    status JWS, or the CoWIN certificate's signed credential. Erased on withdrawal, rejection
    and by retention (privacy.erase). Only fields derived from the evidence are in clear."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="status_records")
    # One record per attempt: a task delivered twice cannot write a second one.
    attempt = models.OneToOneField(
        VerificationAttempt, on_delete=models.CASCADE, related_name="status_record"
    )
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="status_records")
    status = models.PositiveSmallIntegerField(choices=VaccinationStatus.choices)
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.KYCVS)
    verified_at = models.DateTimeField()
    evidence = EncryptedTextField()
    key_id = models.CharField(max_length=100)
    # What a certificate tells (KYC-VS says only the status): doses of the last dose recorded
    # and of the vaccine's primary schedule (more than that: a precaution dose), the vaccine,
    # the date of the last dose.
    dose = models.PositiveSmallIntegerField(null=True, blank=True)
    total_doses = models.PositiveSmallIntegerField(null=True, blank=True)
    vaccine = models.CharField(max_length=40, blank=True)
    last_dose_on = models.DateField(null=True, blank=True)
    # A keyed digest of CoWIN's certificate id (never the id itself): one certificate verifies
    # at most one employee of the organization.
    certificate_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-verified_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate_digest"],
                condition=~models.Q(certificate_digest=""),
                name="status_record_certificate_once",
            )
        ]

    def __str__(self) -> str:
        return f"Status {self.status} for employee {self.employee_id}"
