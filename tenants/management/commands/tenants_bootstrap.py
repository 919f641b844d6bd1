"""Create the platform (public) rows and the template schema if they are missing.

Run after `migrate_schemas`; `make run` and the deploy steps do. Idempotent.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from tenants.services import platform_ensure, template_ensure


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--public-host",
            action="append",
            dest="hosts",
            help="Host name of the public site (repeatable). Default: BASE_DOMAIN and 127.0.0.1.",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        hosts = options["hosts"] or [settings.BASE_DOMAIN, "127.0.0.1"]
        platform_ensure(hosts=hosts)
        template_ensure()
        self.stdout.write(f"Public site on {', '.join(hosts)}; template schema ready.")
