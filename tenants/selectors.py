"""Reads of organizations (public schema)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import QuerySet

from tenants.models import Organization
from tenants.validators import schema_name_for


def organization_list_ready() -> QuerySet[Organization]:
    """Customer organizations whose schema is fully provisioned (never the template)."""
    return Organization.objects.filter(
        kind=Organization.Kind.CUSTOMER, status=Organization.Status.READY
    ).order_by("pk")


def subdomain_is_taken(slug: str) -> bool:
    return (
        Organization.objects.filter(slug__iexact=slug).exists()
        or Organization.objects.filter(schema_name=schema_name_for(slug)).exists()
    )


def organization_current():  # type: ignore[no-untyped-def]
    """The organization whose schema the connection is on (None in the public schema)."""
    from django.db import connection

    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Organization):
        # schema_context() (scripts, tests) sets only the schema; find its organization.
        schema = getattr(connection, "schema_name", None)
        tenant = Organization.objects.filter(schema_name=schema).first() if schema else None
    return tenant if tenant is not None and tenant.is_customer else None


def organization_time_zone(organization: Organization | None = None) -> ZoneInfo:
    """The zone every date and time is shown in: ``organization``'s (default: the current
    one's), else the deployment's TIME_ZONE (the public site, platform tasks)."""
    from django.conf import settings

    organization = organization if organization is not None else organization_current()
    name = getattr(organization, "time_zone", "") or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # a zone this machine's tzdata no longer has
        return ZoneInfo(settings.TIME_ZONE)


def organization_site_url(organization: Organization, path: str = "/") -> str:
    """Absolute URL of ``path`` on the organization's own domain, for e-mails and workers."""
    from django.conf import settings

    domain = organization.get_primary_domain()
    host = domain.domain if domain else organization.slug
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{host}{port}{path}"


def organization_list_for_address(email: str) -> list[Organization]:
    """The ready organizations where ``email`` (any case) is an active staff member, by name:
    one indexed query of the public schema, never a visit to each schema."""
    from tenants.members import member_address_digest

    return list(
        Organization.objects.filter(
            kind=Organization.Kind.CUSTOMER,
            status=Organization.Status.READY,
            member_addresses__email_digest=member_address_digest(email),
        ).order_by("name", "pk")
    )
