"""Rate limits of the public site (Redis, shared by every process), like the features' own
(``verification.ratelimit``, which the platform may not import)."""

from __future__ import annotations

import hashlib
from functools import lru_cache

import redis  # noqa: F401  (imported before limits: see verification/ratelimit.py)
from django.conf import settings
from limits import RateLimitItem, parse, storage, strategies

from tenants.members import member_username


@lru_cache(maxsize=4)
def _limiter(url: str) -> strategies.MovingWindowRateLimiter:
    return strategies.MovingWindowRateLimiter(storage.storage_from_string(url))


@lru_cache(maxsize=8)
def _item(rate: str) -> RateLimitItem:
    return parse(rate)


def _hit(rate: str, *keys: str) -> bool:
    return _limiter(settings.RATE_LIMIT_REDIS_URL).hit(_item(rate), settings.RATE_LIMIT_PREFIX, *keys)


def organization_links_refused(*, email: str, ip: str | None) -> str | None:
    """Count a "find your organization" e-mail to ``email`` asked from ``ip``: None if both
    limits allow it, otherwise the limit that refused ("ip" or "address"). The address is
    kept hashed."""
    if not _hit(settings.FIND_ORGANIZATION_RATE_PER_IP, "find-organization-ip", ip or "unknown"):
        return "ip"
    digest = hashlib.sha256(member_username(email).encode()).hexdigest()
    if not _hit(settings.FIND_ORGANIZATION_RATE_PER_ADDRESS, "find-organization-address", digest):
        return "address"
    return None
