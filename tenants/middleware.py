"""Request middleware of the platform: which organization a request is for, from its host, with
no ``SET search_path`` it does not need (``TenantMainMiddleware``), and its time zone
(``OrganizationTimeZoneMiddleware``).

django-tenants' ``TenantMainMiddleware`` switches the connection to the public schema before
it looks the host up, then to the organization's: two ``SET search_path`` round trips on
every request, even when the connection is already where the request goes (the next request
of the same organization on the same kept connection). The lookup does not need the switch:
``tenants_domain`` and ``tenants_organization`` exist only in the public schema, which every
search path django-tenants sets ends with, so the unqualified names find the public tables
whatever organization the connection was left at. Then, if the connection is already at the
request's organization (its search path set and not forgotten since), it stays there;
otherwise ``set_tenant`` switches it (one ``SET search_path``, ``TENANT_LIMIT_SET_CALLS``).

Every other way out still switches to the public schema first: a host that names no
organization (the "no such organization" page renders on the public schema), a disallowed
host.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils import timezone
from django_tenants.middleware.main import TenantMainMiddleware as BaseTenantMiddleware
from django_tenants.utils import get_limit_set_calls, get_tenant_domain_model

from tenants.models import Organization
from tenants.selectors import organization_time_zone


class TenantMainMiddleware(BaseTenantMiddleware):
    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            connection.set_schema_to_public()  # type: ignore[attr-defined]
            return HttpResponseNotFound()
        domain_model = get_tenant_domain_model()
        try:
            tenant = self.get_tenant(domain_model, hostname)
        except domain_model.DoesNotExist:
            connection.set_schema_to_public()  # type: ignore[attr-defined]
            response: HttpResponse | None = self.no_tenant_found(request, hostname)
            return response
        tenant.domain_url = hostname
        request.tenant = tenant  # type: ignore[attr-defined]
        if _already_at(tenant.schema_name):
            connection.tenant = tenant  # type: ignore[attr-defined]  # the fresh row, same search path
            # As set_tenant does: content type ids differ between the public schema and the
            # organizations', and the cache is shared by the process's threads.
            ContentType.objects.clear_cache()
        else:
            connection.set_tenant(tenant)  # type: ignore[attr-defined]
        self.setup_url_routing(request)
        return None


def _already_at(schema_name: str) -> bool:
    """Whether this connection's search path is already the one ``set_tenant(schema_name)``
    would set, and known to be set in the database session: django-tenants forgets it
    (``search_path_set_schemas``) whenever the connection closes, rolls back or switches."""
    return bool(
        get_limit_set_calls()
        and connection.schema_name == schema_name  # type: ignore[attr-defined]
        and connection.include_public_schema  # type: ignore[attr-defined]
        and connection.search_path_set_schemas  # type: ignore[attr-defined]
    )


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
