"""Writes of organizations: provisioning, the platform rows, the template schema."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from portal.mail import mail_send
from tenants.members import member_create, member_username
from tenants.models import Domain, LoginHandoff, Organization
from tenants.selectors import organization_list_for_address, organization_site_url
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
    """Make sure the template schema exists (built once by migrations, then kept migrated)."""
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


# --- getting in from the public site ----------------------------------------------------------

#: A sign-up's hand-off ticket is good this long: the browser follows the redirect at once.
HANDOFF_TTL_S = 60


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def login_client_digest(*, ip: str | None, user_agent: str) -> str:
    """What ties a hand-off ticket to the browser that signed up (its address and user agent):
    a ticket copied elsewhere, or planted in someone else's browser, does not sign in."""
    return _digest(f"{ip or ''}\n{user_agent}")


def login_handoff_issue(*, organization: Organization, email: str, client: str) -> str:
    """A new one-time ticket that signs the member ``email`` of ``organization`` in on its own
    site within HANDOFF_TTL_S seconds, from the browser ``client`` (``login_client_digest``).
    Returns the token; only its digest is stored."""
    from django.contrib.auth.models import User

    with schema_context(organization.schema_name):
        user_id = User.objects.get(username=member_username(email), is_active=True).pk
    token = secrets.token_urlsafe(32)
    with schema_context(get_public_schema_name()):
        LoginHandoff.objects.create(
            token_hash=_digest(token),
            organization=organization,
            user_id=user_id,
            client_hash=client,
            expires_at=timezone.now() + timedelta(seconds=HANDOFF_TTL_S),
        )
    return token


def login_handoff_redeem(*, token: str, organization: Organization, client: str) -> int | None:
    """Use the ticket ``token`` on ``organization``'s site from browser ``client``: the member's
    id once, None for a ticket that is unknown, of another organization or browser, expired or
    used (it is then used up all the same: a guessed or replayed ticket gets one try)."""
    now = timezone.now()
    with schema_context(get_public_schema_name()), transaction.atomic():
        handoff = LoginHandoff.objects.select_for_update().filter(token_hash=_digest(token)).first()
        if handoff is None or handoff.used_at is not None:
            return None
        handoff.used_at = now
        handoff.save(update_fields=["used_at"])
        if handoff.organization_id != organization.pk or handoff.expires_at <= now:
            return None
        if not secrets.compare_digest(handoff.client_hash, client):
            return None
        return handoff.user_id


def login_handoff_purge() -> int:
    """Delete tickets that can no longer be used; returns how many."""
    with schema_context(get_public_schema_name()):
        deleted, _ = LoginHandoff.objects.filter(expires_at__lt=timezone.now() - timedelta(hours=1)).delete()
    return deleted


def organization_links_send(*, email: str) -> list[Organization]:
    """E-mail ``email`` the sign-in link of every organization where it is an active staff
    member, or, when there is none, a message saying so (with the sign-up link): one e-mail
    either way, so the time taken says no more than the page does. Returns the organizations
    listed; the caller must not show the difference to the person asking."""
    email = member_username(email)
    organizations = organization_list_for_address(email)
    login_path = reverse("login", urlconf=settings.ROOT_URLCONF)
    links = [
        (organization, organization_site_url(organization, login_path)) for organization in organizations
    ]
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    public = f"{settings.PUBLIC_SCHEME}://{settings.BASE_DOMAIN}{port}"
    mail_send(
        to=email,
        name="organization_links",
        context={
            "links": links,
            "signup_link": public + reverse("signup", urlconf=settings.PUBLIC_SCHEMA_URLCONF),
        },
    )
    return organizations
