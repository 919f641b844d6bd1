"""Writes of organizations: provisioning, the platform rows, the template schema."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.members import member_create
from tenants.models import Domain, Organization
from tenants.schemas import clone_function_install
from tenants.signals import organization_provisioned
from tenants.validators import (
    domain_for,
    normalize_subdomain,
    schema_name_for,
    validate_plain_text,
    validate_subdomain,
)

logger = logging.getLogger(__name__)


def organization_create(
    *, name: str, slug: str, owner_name: str, owner_email: str, owner_password: str
) -> Organization:
    """Provision an organization, its domain and its owner, all or nothing.

    The schema is cloned from the template (see ``Organization.create_schema``) inside the
    same transaction as the rows, so a failure anywhere leaves no half-made organization.
    The organization is marked ready only at the very end, so periodic jobs never see it
    before its schema is complete. Features that must do something for each new organization
    receive ``tenants.signals.organization_provisioned`` (in the new schema, in the same
    transaction); the platform imports none of them.
    """
    slug = normalize_subdomain(slug)
    validate_subdomain(slug)
    validate_plain_text(name)
    validate_plain_text(owner_name)
    # Organizations are rows of the public schema, whatever schema the caller was on.
    with schema_context(get_public_schema_name()), transaction.atomic():
        organization = Organization(
            name=name.strip(),
            slug=slug,
            schema_name=schema_name_for(slug),
            kind=Organization.Kind.CUSTOMER,
            grievance_contact_name=owner_name.strip(),
            grievance_contact_email=owner_email.strip().lower(),
        )
        organization.save(verbosity=0)
        Domain.objects.create(domain=domain_for(slug), tenant=organization, is_primary=True)
        with schema_context(organization.schema_name):
            owner = member_create(
                email=owner_email, full_name=owner_name, password=owner_password, role="owner"
            )
            organization_provisioned.send(sender=Organization, organization=organization, owner=owner)
        organization.status = Organization.Status.READY
        organization.save(update_fields=["status"])
    logger.info("organization created", extra={"schema": organization.schema_name})
    return organization


def organization_drop(*, slug: str) -> None:
    """Remove the organization at subdomain ``slug`` entirely, if it exists: its schema and
    everything in it, its domains and its row. For the throw-away organizations of tests and
    benchmarks; nothing in the product calls it."""
    schema = connection.ops.quote_name(schema_name_for(slug))
    with schema_context(get_public_schema_name()), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        Domain.objects.filter(tenant__slug=slug).delete()
        Organization.objects.filter(slug=slug).delete()


def platform_ensure(*, hosts: list[str]) -> Organization:
    """Make sure the public schema has its organization row and answers on ``hosts``."""
    platform, _ = Organization.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={
            "name": "Tika",
            "slug": "-platform",
            "kind": Organization.Kind.PLATFORM,
            "status": Organization.Status.READY,
        },
    )
    for i, host in enumerate(hosts):
        Domain.objects.get_or_create(domain=host.lower(), defaults={"tenant": platform, "is_primary": i == 0})
    return platform


def template_ensure() -> Organization:
    """Make sure the template schema exists (built once by migrations, then kept migrated).

    Also (re)installs the SQL function that clones it, so a deploy picks up a new version.
    """
    clone_function_install()
    template = Organization.objects.filter(schema_name=settings.TENANT_BASE_SCHEMA).first()
    if template is None:
        template = Organization(
            name="Template (never used directly)",
            slug="-template",
            schema_name=settings.TENANT_BASE_SCHEMA,
            kind=Organization.Kind.TEMPLATE,
            status=Organization.Status.READY,
        )
        template.save(verbosity=0)
    return template
