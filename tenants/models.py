"""Organizations (tenants) and their domains. These tables live in the public schema."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import schema_exists

from tenants.schemas import schema_clone_from_template
from tenants.validators import validate_time_zone


def default_reminder_days() -> list[int]:
    return [3, 7]


class VerificationMethods(models.TextChoices):
    BOTH = "both", _("One-time password from CoWIN, or the vaccination certificate")
    OTP = "otp", _("One-time password from CoWIN only")
    CERTIFICATE = "certificate", _("Vaccination certificate only")


class Organization(TenantMixin):
    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        # The public schema: landing page, sign-up and platform admin.
        PLATFORM = "platform", "Platform"
        # The migrated schema new organizations are cloned from. Nothing ever writes to it and
        # no domain points at it; it has a row only so that migrate_schemas keeps it current.
        TEMPLATE = "template", "Template"

    class Status(models.TextChoices):
        PROVISIONING = "provisioning", "Provisioning"
        READY = "ready", "Ready"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=40, unique=True, help_text="The organization's subdomain.")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CUSTOMER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROVISIONING)
    created_at = models.DateTimeField(auto_now_add=True)
    # Organization settings shown to employees and used by the consent flow.
    invitation_expiry_days = models.PositiveSmallIntegerField(default=14)
    grievance_contact_name = models.CharField(max_length=150, blank=True)
    grievance_contact_email = models.EmailField(blank=True)
    # Reminders go out this many days after the invitation (never more than one a day, never
    # after the employee answered).
    reminder_days = models.JSONField(default=default_reminder_days, blank=True)
    # Dashboard groups (department, location) smaller than this merge into "Other".
    dashboard_min_group_size = models.PositiveSmallIntegerField(default=5)
    # Status evidence and mobile numbers are erased this many days after an employee is
    # deactivated or withdraws consent.
    retention_days = models.PositiveSmallIntegerField(default=30)
    # An employee's link shows their status and data (to a browser allowed to see them) only
    # until this many days after its last use; then only after a fresh code by e-mail.
    link_view_days = models.PositiveSmallIntegerField(default=30)
    # Which ways to verify employees are offered (a way the deployment has not configured,
    # such as KYC-VS without a partner key, is never offered whatever this says).
    verification_methods = models.CharField(
        max_length=16, choices=VerificationMethods.choices, default=VerificationMethods.BOTH
    )

    # Every date and time people see (pages, e-mails, exports) is in this zone.
    time_zone = models.CharField(max_length=64, default="Asia/Kolkata", validators=[validate_time_zone])

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_customer(self) -> bool:
        return self.kind == self.Kind.CUSTOMER

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):  # type: ignore[no-untyped-def]
        """Clone the template schema; never fall back to replaying every migration.

        Only the template itself (and the public schema, which already exists) are built by
        migrations; see tenants/schemas.py for why the clone is checked, not fake-migrated.
        """
        builds_itself = self.schema_name in (settings.TENANT_BASE_SCHEMA, settings.PUBLIC_SCHEMA_NAME)
        if builds_itself or not sync_schema:
            return super().create_schema(
                check_if_exists=check_if_exists, sync_schema=sync_schema, verbosity=verbosity
            )
        if check_if_exists and schema_exists(self.schema_name):
            return False
        schema_clone_from_template(self.schema_name)
        return True

    def get_base_schema(self):  # type: ignore[no-untyped-def]
        # The template is built by migrations, never cloned from itself.
        if self.schema_name == settings.TENANT_BASE_SCHEMA:
            return False
        return super().get_base_schema()


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class MemberAddress(models.Model):
    """Which organizations an e-mail address is an active staff member of, for "find your
    organization" on the public site without visiting every schema.

    The address is kept only as a keyed digest (``tenants.members.member_address_digest``):
    this public table tells nobody who works where. ``tenants.members`` keeps it in step with
    the members themselves (added, deactivated, reactivated).
    """

    email_digest = models.CharField(max_length=64)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="member_addresses")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email_digest", "organization"], name="member_address_unique")
        ]
        indexes = [models.Index(fields=["email_digest"], name="member_address_digest")]

    def __str__(self) -> str:
        return f"{self.email_digest[:12]}... at {self.organization_id}"


class LoginHandoff(models.Model):
    """A one-time, short-lived ticket that signs the new Owner in on their organization's own
    subdomain right after sign-up on the public site (cookies are host-only, so the public
    site's session cannot follow them there).

    Only the token's digest is stored; the ticket is good once, for one organization, for
    ``tenants.handoff.HANDOFF_TTL_S`` seconds, and for the browser that signed up (a digest of
    its address and user agent).
    """

    token_hash = models.CharField(max_length=64, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user_id = models.PositiveIntegerField()
    client_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-in ticket for member {self.user_id} of {self.organization_id}"


class DueWork(models.Model):
    """When an organization next has periodic work of one kind (tenants.duework).

    One row per (organization, kind). ``due_at`` is never later than the earliest work of that
    kind in the organization's schema (it may be earlier: a visit then finds nothing and sets
    the exact time); None means nothing of that kind is waiting. Beat visits only the
    organizations whose ``due_at`` has come.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="due_work")
    kind = models.CharField(max_length=16)
    due_at = models.DateTimeField(null=True, blank=True)
    # When a visit (or the nightly rebuild) last computed due_at from the schema's own rows.
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "kind"], name="duework_one_per_kind")]
        indexes = [models.Index(fields=["kind", "due_at"], name="duework_kind_due")]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.kind} due {self.due_at}"
