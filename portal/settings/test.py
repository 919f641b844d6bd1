"""pytest: real PostgreSQL and Redis (embedded or yours), fast password hashing."""

import uuid

from .base import *  # noqa: F403
from .base import BASE_DOMAIN, env

DEBUG = False
SECRET_KEY = "test-only-insecure-key"  # noqa: S105
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A prefix per test run, so runs never see each other's cache entries (the worker started by
# the suite is given the same one).
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default=f"tika-test-{uuid.uuid4().hex[:8]}")  # noqa: F405
KYCVS_SANDBOX_REDIS_PREFIX = env(
    "KYCVS_SANDBOX_REDIS_PREFIX", default=f"kycvs-sandbox-test-{uuid.uuid4().hex[:8]}"
)
