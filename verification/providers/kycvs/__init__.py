"""CoWIN's KYC-VS API: an OTP by SMS, then a signed status. The protocol (``protocol``), the
HTTP client (``client``) and its signature checks (``signing``).

Use ``get_provider()``; it is configured from settings (KYCVS_BASE_URL, KYCVS_API_KEY,
KYCVS_VERIFY_KEY, KYCVS_TIMEOUT_S) and keeps its HTTP connections for reuse. ``configured()``
says whether this deployment has a KYC-VS partner key at all (without one, only certificates
are offered).
"""

from __future__ import annotations

import threading

from django.conf import settings

from verification.providers.kycvs.client import CowinClient
from verification.providers.kycvs.protocol import VaccinationStatusProvider

_lock = threading.Lock()
_clients: dict[tuple[str, str, str, float], CowinClient] = {}


def configured() -> bool:
    """Whether KYC-VS can be used here: a service, a partner key and a key to verify answers."""
    return bool(settings.KYCVS_BASE_URL and settings.KYCVS_API_KEY and settings.KYCVS_VERIFY_KEY)


def get_provider() -> VaccinationStatusProvider:
    """The configured provider, one per process and configuration (connections are reused)."""
    key = (
        settings.KYCVS_BASE_URL,
        settings.KYCVS_API_KEY,
        settings.KYCVS_VERIFY_KEY,
        float(settings.KYCVS_TIMEOUT_S),
    )
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = CowinClient(
                base_url=key[0], api_key=key[1], verify_key=key[2], timeout_s=key[3]
            )
        return client
