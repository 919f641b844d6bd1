"""Create an organization, its subdomain and its owner from the shell.

The password is read from the TIKA_OWNER_PASSWORD environment variable or asked for.
"""

import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.selectors import subdomain_is_taken
from tenants.services import organization_create
from tenants.validators import domain_for, normalize_subdomain, validate_plain_text, validate_subdomain


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--name", required=True, help="Organization name")
        parser.add_argument("--subdomain", required=True)
        parser.add_argument("--owner-name", required=True)
        parser.add_argument("--owner-email", required=True)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        slug = normalize_subdomain(options["subdomain"])
        try:
            validate_subdomain(slug)
        except ValidationError as exc:
            raise CommandError(f"--subdomain: {' '.join(exc.messages)}") from exc
        for option in ("name", "owner_name"):
            try:
                validate_plain_text(options[option])
            except ValidationError as exc:
                raise CommandError(f"--{option.replace('_', '-')}: {' '.join(exc.messages)}") from exc
        if subdomain_is_taken(slug):
            raise CommandError(f"--subdomain: {slug!r} is already taken.")
        password = os.environ.get("TIKA_OWNER_PASSWORD") or getpass.getpass("Owner password: ")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(f"password: {' '.join(exc.messages)}") from exc
        organization = organization_create(
            name=options["name"],
            slug=slug,
            owner_name=options["owner_name"],
            owner_email=options["owner_email"],
            owner_password=password,
        )
        self.stdout.write(f"Created {organization.name} at {domain_for(organization.slug)}")
