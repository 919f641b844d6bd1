"""Employees: the people an organization asks, and where each stands (kept on the row, so the
dashboard is one GROUP BY).
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from verification.crypto import EncryptedTextField
from verification.models.choices import ChoiceLabels
from verification.providers.base import Method, VaccinationStatus


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


class Channel(models.TextChoices):
    """How an invitation's link reaches the employee."""

    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Printed letter")


#: What the directory's department and location indexes carry besides their keys (Meta.indexes).
COVERED = ("id", "vaccination_status", "progress", "is_active")


class Employee(ChoiceLabels, models.Model):
    code = models.CharField(_("employee code"), max_length=40, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    # Optional: shop-floor staff may have none and are invited by SMS or a printed letter
    # (forms and imports ask for an e-mail or a mobile number).
    email = models.EmailField(_("email"), db_index=True, blank=True)
    # E.164 (+91XXXXXXXXXX), encrypted; mobile_last4 is what people are shown.
    mobile = EncryptedTextField(_("mobile"), null=True, blank=True)
    mobile_last4 = models.CharField(max_length=4, blank=True)
    mobile_digest = models.CharField(max_length=64, blank=True, db_index=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    location = models.CharField(_("location"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    #: When the employee was last deactivated (None while active): retention counts from it.
    deactivated_at = models.DateTimeField(null=True, blank=True, editable=False)
    progress = models.CharField(max_length=16, choices=Progress.choices, default=Progress.NOT_INVITED)
    # The current verified status (None: none on record). Erased on withdrawal.
    vaccination_status = models.PositiveSmallIntegerField(
        choices=VaccinationStatus.choices, null=True, blank=True
    )
    status_verified_at = models.DateTimeField(null=True, blank=True)
    # How the current status was verified, and what a certificate told (verification.status
    # keeps these with the status; they are erased with it).
    # (Database defaults too: the import writes rows with COPY.)
    status_method = models.CharField(max_length=16, choices=Method.choices, blank=True, db_default="")
    status_dose = models.PositiveSmallIntegerField(null=True, blank=True)
    status_total_doses = models.PositiveSmallIntegerField(null=True, blank=True)
    status_vaccine = models.CharField(max_length=40, blank=True, db_default="")
    status_last_dose_on = models.DateField(null=True, blank=True)
    #: When the newest invitation was created (None: never invited); set by invitation_create
    #: in the invitation's transaction, so the directory and exports need no join for it.
    last_invited_at = models.DateTimeField(null=True, blank=True, editable=False)
    #: That newest invitation's channel, and when it went out (None while it waits to be sent,
    #: and if it never could be); kept with it by invitation_create, invitation_send and
    #: letters_issue, so a directory page reads them off the row instead of two subqueries.
    #: (A database default too: imports and benchmarks write rows with COPY.)
    last_invitation_channel = models.CharField(
        max_length=8, choices=Channel.choices, blank=True, editable=False, db_default=""
    )
    last_invitation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["full_name", "code"]
        indexes = [
            # Employees by activity and progress (reminders, the dashboard's sets); the
            # directory's counts come from EmployeeTally instead.
            models.Index(fields=["is_active", "progress"]),
            # A directory page is an index scan in its order, cut by LIMIT: by name (either
            # direction), and by department or location, filtered or sorted, then by name.
            # The department and location ones also list the names on record in a few
            # lookups (selectors.employee_departments).
            # Each carries the id and the columns the directory's other filters test (status,
            # progress, activity), so that a page's ids and the number of employees matching
            # come from the index alone: at 100,000 employees page 900 read 45,000 rows of the
            # table for their ids (19 ms -> 8 ms), and counting a department's fully
            # vaccinated read every row of the department.
            models.Index(fields=["full_name", "code"], include=["id"], name="employee_name_code_id"),
            models.Index(
                fields=["department", "full_name", "code"],
                include=[*COVERED],
                name="employee_department_rows",
            ),
            models.Index(
                fields=["location", "full_name", "code"], include=[*COVERED], name="employee_location_rows"
            ),
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
    def invitation_channel(self) -> str:
        """How an invitation reaches them unless HR chooses: e-mail, else SMS, else a letter."""
        if self.email:
            return Channel.EMAIL
        return Channel.SMS if self.mobile_last4 else Channel.LETTER

    @property
    def mobile_masked(self) -> str:
        return f"••••••{self.mobile_last4}" if self.mobile_last4 else ""


class EmployeeTally(models.Model):
    """How many employees there are per (is_active, progress), kept by the database.

    Counting them is a scan of every employee (12-25 ms at 100,000, on every directory page).
    Instead, triggers on the employee table (migration 0015) add a row here for each
    statement that changes how many employees a group holds: +n for rows that arrived in it,
    -n for rows that left it, whatever wrote them (the ORM, ``QuerySet.update``, an import's
    COPY, erasure). Rows are only ever inserted by writers, so concurrent writers never wait
    for each other here; a group's count is the sum of its rows. Readers fold the rows into
    one per group now and then (``verification.employees.tally``), so the sum stays short.
    """

    is_active = models.BooleanField()
    progress = models.CharField(max_length=16)
    n = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.is_active}/{self.progress}: {self.n:+d}"
