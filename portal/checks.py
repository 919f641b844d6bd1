"""System checks for the settings that keep organizations apart and tasks reliable.

They run with every `manage.py` command (and `check --deploy`), so a settings change that
reopens one of the known pitfalls stops the project from starting.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def tenant_isolation_settings(app_configs: Any, **kwargs: Any) -> list[Error]:
    errors = []
    for name in ("SESSION_COOKIE_DOMAIN", "CSRF_COOKIE_DOMAIN"):
        if getattr(settings, name):
            errors.append(
                Error(
                    f"{name} must stay unset: a parent-domain cookie of one organization "
                    "would be sent to every other organization's subdomain.",
                    id="portal.E001",
                )
            )
    for alias, cache in settings.CACHES.items():
        if cache.get("KEY_FUNCTION") != "django_tenants.cache.make_key":
            errors.append(
                Error(
                    f"CACHES[{alias!r}] must use KEY_FUNCTION 'django_tenants.cache.make_key' "
                    "so that cache keys carry the organization.",
                    id="portal.E002",
                )
            )
    return errors


@register()
def celery_reliability_settings(app_configs: Any, **kwargs: Any) -> list[Error]:
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    if not visibility > settings.CELERY_MAX_TASK_DELAY > settings.CELERY_TASK_TIME_LIMIT:
        return [
            Error(
                "The broker's visibility_timeout must exceed CELERY_MAX_TASK_DELAY (the longest "
                "countdown or retry delay), which must exceed CELERY_TASK_TIME_LIMIT; otherwise "
                "a waiting task is delivered a second time.",
                id="portal.E003",
            )
        ]
    return []


@register()
def certificate_trust_settings(app_configs: Any, **kwargs: Any) -> list[Error]:
    """CERTIFICATE_ISSUER_KEYS must load (PEM public keys, RSA >= 2048 or Ed25519, never DIVOC's
    demo key), so a bad key file stops the project at start rather than at an employee's upload."""
    from verification.providers.certificate import CertificateConfigError
    from verification.providers.certificate.trust import TrustStore

    try:
        TrustStore.configured(issuer_keys_file=settings.CERTIFICATE_ISSUER_KEYS)
    except CertificateConfigError as exc:
        return [Error(f"Certificate keys: {exc}", id="portal.E004")]
    return []
