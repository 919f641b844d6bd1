"""Create the demo organization "Acme" with an owner login, unless it exists. Idempotent."""

from django.core.management.base import BaseCommand

from tenants.models import Organization
from tenants.services import domain_for, organization_create

DEMO_SLUG = "acme"
DEMO_EMAIL = "owner@acme.example"
DEMO_PASSWORD = "tika-demo-2026"  # noqa: S105 - printed on purpose: a local demo login


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if not Organization.objects.filter(slug=DEMO_SLUG).exists():
            organization_create(
                name="Acme",
                slug=DEMO_SLUG,
                owner_name="Asha Verma",
                owner_email=DEMO_EMAIL,
                owner_password=DEMO_PASSWORD,
            )
            self.stdout.write("Created the demo organization Acme.")
        self.stdout.write(f"Demo organization: {domain_for(DEMO_SLUG)}  login {DEMO_EMAIL} / {DEMO_PASSWORD}")
