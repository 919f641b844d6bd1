"""Records inside one organization's schema: employees, invitations, consents, verification
attempts, status records and the audit trail.

The database is the truth for where every verification stands; Celery messages only say
"look at attempt N" (see verification/tasks.py and the sweep).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from verification.crypto import EncryptedBinaryField, EncryptedTextField


class Progress(models.TextChoices):
    """Where an employee stands, kept on the employee row so dashboards are one GROUP BY."""

    NOT_INVITED = "not_invited", _("Not invited")
    INVITED = "invited", _("Invited")
    CONSENTED = "consented", _("Consented, verifying")
    VERIFIED = "verified", _("Verified")
    # Verified through a mobile number the employee entered instead of the one on file: the
    # status is kept as evidence and counts once HR approves it.
    AWAITING_REVIEW = "review", _("Awaiting HR review")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    FAILED = "failed", _("Verification failed")


class VaccinationStatus(models.IntegerChoices):
    NOT_VACCINATED = 0, _("Not vaccinated")
    PARTIALLY_VACCINATED = 1, _("Partially vaccinated")
    FULLY_VACCINATED = 2, _("Fully vaccinated")


class Employee(models.Model):
    code = models.CharField(_("employee code"), max_length=40, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("email"), db_index=True)
    # E.164 (+91XXXXXXXXXX), encrypted; mobile_last4 is what people are shown.
    mobile = EncryptedTextField(_("mobile"), null=True, blank=True)
    mobile_last4 = models.CharField(max_length=4, blank=True)
    mobile_digest = models.CharField(max_length=64, blank=True, db_index=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    location = models.CharField(_("location"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    progress = models.CharField(max_length=16, choices=Progress.choices, default=Progress.NOT_INVITED)
    # The current verified status (None: none on record). Erased on withdrawal.
    vaccination_status = models.PositiveSmallIntegerField(
        choices=VaccinationStatus.choices, null=True, blank=True
    )
    status_verified_at = models.DateTimeField(null=True, blank=True)
    #: When the newest invitation was created (None: never invited); set by invitation_create
    #: in the invitation's transaction, so the directory and exports need no join for it.
    last_invited_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["full_name", "code"]
        indexes = [
            # The directory's counts: one GROUP BY read from this index alone.
            models.Index(fields=["is_active", "progress"]),
            # A directory page is an index scan in its order, cut by LIMIT: by name (either
            # direction), and by department or location, filtered or sorted, then by name.
            # The department and location ones also list the names on record in a few
            # lookups (selectors.employee_departments).
            models.Index(fields=["full_name", "code"], name="employee_name_code"),
            models.Index(fields=["department", "full_name", "code"], name="employee_department_name"),
            models.Index(fields=["location", "full_name", "code"], name="employee_location_name"),
            # The search (icontains: UPPER(col) LIKE UPPER('%term%')) through trigrams. The
            # expression must be the one icontains writes, or the planner cannot use it. The
            # pg_trgm extension is created in the public schema by tenants' migration 0005.
            *(
                GinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=f"employee_{field}_trgm")
                for field in ("full_name", "code", "email")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.code})"

    @property
    def mobile_masked(self) -> str:
        return f"••••••{self.mobile_last4}" if self.mobile_last4 else ""


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


class Consent(models.Model):
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


class VerificationAttempt(models.Model):
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
        """HR's review of a status verified through a number the employee entered."""

        PENDING = "pending", _("Awaiting review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    TERMINAL = (State.VERIFIED, State.FAILED, State.CANCELLED)

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="attempts")
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="attempts")
    state = models.CharField(max_length=16, choices=State.choices, default=State.CREATED)
    # The number the OTP goes to (encrypted) and the name sent to CoWIN. The number is the one
    # on file unless ``mobile_changed``: the employee entered another, which never replaces
    # the number on file.
    mobile = EncryptedTextField(null=True, blank=True)
    full_name = models.CharField(max_length=150)
    mobile_changed = models.BooleanField(default=False)
    # "" (no review needed) or Review: set to pending when a changed number verified.
    review = models.CharField(max_length=10, choices=Review.choices, blank=True, default="")
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

    @property
    def is_terminal(self) -> bool:
        return self.state in self.TERMINAL


class StatusRecord(models.Model):
    """A verified vaccination status with the provider's signed evidence. Erased on withdrawal."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="status_records")
    # One record per attempt: a task delivered twice cannot write a second one.
    attempt = models.OneToOneField(
        VerificationAttempt, on_delete=models.CASCADE, related_name="status_record"
    )
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="status_records")
    status = models.PositiveSmallIntegerField(choices=VaccinationStatus.choices)
    verified_at = models.DateTimeField()
    evidence = models.TextField()
    key_id = models.CharField(max_length=100)

    class Meta:
        ordering = ["-verified_at"]

    def __str__(self) -> str:
        return f"Status {self.status} for employee {self.employee_id}"


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


class AuditEvent(models.Model):
    """Append-only: one row per sensitive step. Never holds a mobile number, OTP, token or a
    vaccination status (those are erased on withdrawal; the trail is not).

    Rows cannot be changed or removed: the model refuses, and a database trigger refuses too.
    """

    class ActorKind(models.TextChoices):
        STAFF = "staff", _("Staff")
        EMPLOYEE = "employee", _("Employee")
        SYSTEM = "system", _("System")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=50, db_index=True)
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


class ImportJob(models.Model):
    """A CSV/XLSX upload of employees: validated into a preview, written only when HR confirms.

    The file is kept in the database (bounded by IMPORT_MAX_BYTES) so any worker can read it,
    encrypted like mobile numbers (it holds them), and dropped (emptied) once the job is
    done, cancelled or failed.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATING = "validating", _("Checking")
        VALIDATED = "validated", _("Ready to import")
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


class DailySnapshot(models.Model):
    """Where the organization's employees stood at the end of a day, for the trend chart."""

    date = models.DateField(unique=True)
    # {"fully": n, "partially": n, "not_vaccinated": n, "pending": n, "review": n, "declined": n,
    #  "withdrawn": n, "failed": n, "not_invited": n, "active": n}
    counts = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"Snapshot {self.date}"
