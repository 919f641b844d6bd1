"""Rate limits shared by every process, in Redis (the `limits` library, moving windows).

* The provider's quota is one budget for the whole fleet of workers: calls beyond it wait for
  the window to free a slot instead of failing (``provider_slot``).
* Abuse limits on the employee side: OTP sends and view codes per employee per hour, view
  codes and requests per IP.
* Password-reset e-mails per address and per IP.

Client addresses come from ``portal.proxies.client_ip`` (X-Forwarded-For only via TRUSTED_PROXIES).
"""

from __future__ import annotations

import hashlib
import time
from functools import lru_cache

# Imported here, once, by the importing thread: limits imports redis lazily on first use, and
# under a threaded server a second request thread could find it half-imported in sys.modules
# (no __version__ yet, read as 0.0.0) and fail with "minimum version of 3.0 for 'redis'".
import redis  # noqa: F401
from django.conf import settings
from django.db import connection
from limits import RateLimitItem, parse, storage, strategies


@lru_cache(maxsize=4)
def _limiter(url: str) -> strategies.MovingWindowRateLimiter:
    return strategies.MovingWindowRateLimiter(storage.storage_from_string(url))


@lru_cache(maxsize=32)
def _item(rate: str) -> RateLimitItem:
    return parse(rate)


def _hit(rate: str, *keys: str) -> bool:
    return _limiter(settings.RATE_LIMIT_REDIS_URL).hit(_item(rate), settings.RATE_LIMIT_PREFIX, *keys)


def provider_slot(max_wait_s: float) -> bool:
    """Take one call of the provider's quota, waiting up to ``max_wait_s`` for one to free up.

    The quota belongs to Tika's API key, so it is shared by all organizations. Returns False
    if no slot freed up in time (the caller reschedules instead of calling).
    """
    rate = settings.KYCVS_RATE_LIMIT
    deadline = time.monotonic() + max_wait_s
    limiter = _limiter(settings.RATE_LIMIT_REDIS_URL)
    while True:
        if limiter.hit(_item(rate), settings.RATE_LIMIT_PREFIX, "provider"):
            return True
        stats = limiter.get_window_stats(_item(rate), settings.RATE_LIMIT_PREFIX, "provider")
        wait = max(0.05, min(stats.reset_time - time.time(), 1.0))
        if time.monotonic() + wait > deadline:
            return False
        time.sleep(wait)


def otp_send_allowed(employee_id: int) -> bool:
    """At most a few OTP sends per employee per hour (counts this one if allowed)."""
    return _hit(settings.EMPLOYEE_OTP_SENDS_RATE, "otp-send", connection.schema_name, str(employee_id))  # type: ignore[attr-defined]


def certificate_upload_allowed(employee_id: int) -> bool:
    """Certificate uploads per employee per hour (each costs a decode and a signature check)."""
    return _hit(settings.CERTIFICATE_UPLOADS_RATE, "certificate", connection.schema_name, str(employee_id))  # type: ignore[attr-defined]


def view_code_allowed(employee_id: int) -> bool:
    """A few view codes per employee per hour (counts this one if allowed)."""
    return _hit(settings.VIEW_CODES_RATE, "view-code", connection.schema_name, str(employee_id))  # type: ignore[attr-defined]


def view_code_address_allowed(ip: str) -> bool:
    """View codes asked for from one client address, any employee (counts this one if allowed)."""
    return _hit(settings.VIEW_CODES_ADDRESS_RATE, "view-code-ip", ip or "unknown")


def employee_request_allowed(ip: str) -> bool:
    """Requests to the employee pages per client address (counts this one if allowed)."""
    return _hit(settings.EMPLOYEE_PAGES_RATE, "employee-pages", ip or "unknown")


def password_reset_refused(*, email: str, ip: str) -> str | None:
    """Count a password-reset e-mail to ``email`` asked from ``ip``: None if both limits allow
    it, otherwise the limit that refused ("ip" or "address"). The address is kept hashed."""
    if not _hit(settings.PASSWORD_RESET_RATE_PER_IP, "password-reset-ip", ip or "unknown"):
        return "ip"
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    if not _hit(settings.PASSWORD_RESET_RATE_PER_ADDRESS, "password-reset-address", digest):
        return "address"
    return None
