"""Create the demo organization "Acme" with an owner login and a few employees. Idempotent.

The employees' mobile numbers are the sandbox's demo citizens (docs/provider.md), so each
status can be tried end to end; their e-mails land in the dev inbox (/sandbox/inbox/).
"""

from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from tenants.models import Organization
from tenants.services import organization_create
from tenants.validators import domain_for
from verification.employees.services import employee_create
from verification.models import Employee

DEMO_EMPLOYEES = [
    ("ACME-001", "Ravi Kumar", "ravi.kumar@acme.example", "9000000001", "Engineering", "Bengaluru"),
    ("ACME-002", "Priya Sharma", "priya.sharma@acme.example", "9000000002", "Engineering", "Pune"),
    ("ACME-003", "Imran Khan", "imran.khan@acme.example", "9000000011", "Sales", "Mumbai"),
    ("ACME-004", "Lakshmi Iyer", "lakshmi.iyer@acme.example", "9000000012", "Finance", "Chennai"),
    ("ACME-005", "Sunil Das", "sunil.das@acme.example", "9000000021", "Operations", "Kolkata"),
    ("ACME-006", "Meera Nair", "meera.nair@acme.example", "9000000022", "Operations", "Kochi"),
]

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
        with schema_context(Organization.objects.get(slug=DEMO_SLUG).schema_name):
            for code, name, email, mobile, department, location in DEMO_EMPLOYEES:
                if not Employee.objects.filter(code=code).exists():
                    employee_create(
                        code=code,
                        full_name=name,
                        email=email,
                        mobile=mobile,
                        department=department,
                        location=location,
                    )
        self.stdout.write(f"Demo organization: {domain_for(DEMO_SLUG)}  login {DEMO_EMAIL} / {DEMO_PASSWORD}")
