"""Reads of organizations (public schema)."""

from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import Organization


def organization_list_ready() -> QuerySet[Organization]:
    """Customer organizations whose schema is fully provisioned (never the template)."""
    return Organization.objects.filter(
        kind=Organization.Kind.CUSTOMER, status=Organization.Status.READY
    ).order_by("pk")


def subdomain_is_taken(slug: str) -> bool:
    from tenants.services import schema_name_for

    return (
        Organization.objects.filter(slug__iexact=slug).exists()
        or Organization.objects.filter(schema_name=schema_name_for(slug)).exists()
    )
