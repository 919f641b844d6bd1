"""Rules for an organization's subdomain (and the schema and host it gives), and for the names
people type."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SUBDOMAIN_MIN = 3
SUBDOMAIN_MAX = 40
_SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")

# Names that belong to the platform, that mail and DNS tooling treat specially, or that would
# let someone pass as us or as a public body.
RESERVED_SUBDOMAINS = frozenset(
    {
        "abuse",
        "account",
        "accounts",
        "admin",
        "administrator",
        "api",
        "app",
        "apps",
        "assets",
        "auth",
        "autodiscover",
        "autoconfig",
        "beta",
        "billing",
        "blog",
        "cdn",
        "cowin",
        "dashboard",
        "demo",
        "dev",
        "docs",
        "email",
        "files",
        "ftp",
        "gov",
        "grievance",
        "help",
        "home",
        "imap",
        "inbox",
        "internal",
        "localhost",
        "login",
        "logout",
        "mail",
        "media",
        "mx",
        "news",
        "ns",
        "ns1",
        "ns2",
        "official",
        "pop",
        "pop3",
        "portal",
        "postmaster",
        "privacy",
        "public",
        "root",
        "sandbox",
        "secure",
        "security",
        "signup",
        "smtp",
        "sso",
        "stage",
        "staging",
        "static",
        "status",
        "support",
        "system",
        "template",
        "tenant",
        "test",
        "tika",
        "webmail",
        "www",
    }
)


def schema_name_for(slug: str) -> str:
    """The PostgreSQL schema of the organization at subdomain ``slug``."""
    return "org_" + slug.replace("-", "_")


def domain_for(slug: str) -> str:
    """The organization's own host name: ``<slug>.<BASE_DOMAIN>``."""
    return f"{slug}.{settings.BASE_DOMAIN}"


def normalize_subdomain(value: str) -> str:
    return value.strip().lower()


def validate_subdomain(value: str) -> None:
    """Raise ValidationError unless ``value`` (already normalized) is a usable subdomain."""
    if not (SUBDOMAIN_MIN <= len(value) <= SUBDOMAIN_MAX):
        raise ValidationError(
            _("Use %(min)d to %(max)d characters.") % {"min": SUBDOMAIN_MIN, "max": SUBDOMAIN_MAX},
            code="length",
        )
    if not _SUBDOMAIN_RE.match(value):
        raise ValidationError(
            _(
                "Use only lowercase letters a-z, digits and hyphens, "
                "starting and ending with a letter or digit."
            ),
            code="charset",
        )
    if "--" in value:
        # Rules out punycode look-alikes (xn--) and keeps names readable.
        raise ValidationError(_("Do not use two hyphens in a row."), code="charset")
    if value in RESERVED_SUBDOMAINS:
        raise ValidationError(_("This subdomain is reserved. Please choose another."), code="reserved")


# Characters no name or label needs: C0/C1 controls (CR, LF, NUL, ...), the line and paragraph
# separators, and the bidirectional overrides and isolates that can make text read differently
# from what it says. Zero-width (non-)joiners stay allowed: Devanagari spelling uses them.
# One regular expression: imports check tens of thousands of cells with it.
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def has_control_characters(value: str) -> bool:
    """True if ``value`` holds a character that must never be part of a name (see above)."""
    return _CONTROL_CHARACTERS.search(value) is not None


PLAIN_TEXT_MESSAGE = _("Remove line breaks, tabs and other control characters.")


def validate_plain_text(value: str) -> None:
    """Refuse control characters (line breaks included) in a one-line name or label."""
    if has_control_characters(value):
        raise ValidationError(PLAIN_TEXT_MESSAGE, code="control_characters")


def time_zone_names() -> list[str]:
    """The IANA time zone names this machine knows, sorted."""
    import zoneinfo

    return sorted(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    """An IANA time zone name, such as Asia/Kolkata."""
    import zoneinfo

    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Choose a time zone from the list."), code="time_zone")
