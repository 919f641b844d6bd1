"""What the tests of every app share: the session's organizations, clients of their sites, and a
production environment to start settings with. A plain module, not a test file: conftest.py
files and tests import it (nothing imports a conftest.py, and no test imports another test).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client
from django.test.utils import CaptureQueriesContext

OWNER_PASSWORD = "correct-horse-battery-9"

# What production settings need to start (portal.settings.production), none of it real.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "SECRET_KEY": "x" * 64,
    "ALLOWED_HOSTS": ".tika.example",
    "DATABASE_URL": "postgres://tika@db.invalid/tika",
    "REDIS_URL": "redis://redis.invalid:6379/0",
    "EMAIL_URL": "smtp+tls://mailer@smtp.invalid:587",
    "KYCVS_BASE_URL": "https://cowin.invalid",
    "KYCVS_API_KEY": "partner-key",
    "KYCVS_VERIFY_KEY": "https://cowin.invalid/jwks.json",
    "FIELD_ENCRYPTION_KEYS": "x8HEd1iY_MjrmKIvMvBYIrOUl2rdzcTGpUdiD5u0cQo=",
}


@dataclass(frozen=True)
class OrgFixture:
    slug: str
    schema_name: str
    host: str
    owner_email: str

    def get(self):  # type: ignore[no-untyped-def]
        from tenants.models import Organization

        return Organization.objects.get(schema_name=self.schema_name)


def org_fixture(slug: str) -> OrgFixture:
    """The organization at subdomain ``slug``, as the tests address it (its owner is
    ``owner@<slug>.example``)."""
    from tenants.validators import domain_for, schema_name_for

    return OrgFixture(
        slug=slug,
        schema_name=schema_name_for(slug),
        host=domain_for(slug),
        owner_email=f"owner@{slug}.example",
    )


def host_client(host: str) -> Client:
    """A test client whose requests go to ``host`` (an organization's or the public site)."""
    return Client(HTTP_HOST=host)


def signed_in(org: OrgFixture, email: str | None = None, *, second_factor: bool = True) -> Client:
    """A client of ``org``'s site signed in as ``email`` (default: the owner).

    With ``second_factor`` the session has also passed two-factor sign-in (through a backup-code
    device made for the test), as every Owner and HR Admin must before any staff page.
    """
    from django.contrib.auth.models import User
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_tenants.utils import schema_context

    client = host_client(org.host)
    with schema_context(org.schema_name):
        # Sessions live in the organization's schema, so sign in from inside it.
        user = User.objects.get(username=email or org.owner_email)
        client.force_login(user)
        if second_factor:
            device, _ = StaticDevice.objects.get_or_create(
                user=user, name="test device", defaults={"confirmed": True}
            )
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return client


def data_queries(captured: CaptureQueriesContext) -> list[str]:
    """The SQL captured (a ``CaptureQueriesContext``), without ``SET search_path``: whether a
    request needs one depends on which schema the connection was left at before it
    (tenants.middleware keeps it when it is already right), not on what the request does."""
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SET search_path")]
