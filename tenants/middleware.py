"""Request middleware of the platform."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tenants.models import Organization
from tenants.selectors import organization_time_zone


class OrganizationTimeZoneMiddleware:
    """Dates and times of an organization's site are shown in the organization's time zone
    (after django-tenants' middleware has found the organization)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        organization = tenant if isinstance(tenant, Organization) and tenant.is_customer else None
        timezone.activate(organization_time_zone(organization))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
