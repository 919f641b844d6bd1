"""pytest: real PostgreSQL and Redis (embedded or yours), fast password hashing."""

import uuid

from verification.crypto import key_from_secret

from .base import *  # noqa: F403
from .base import BASE_DOMAIN, env

DEBUG = False
# A test database of its own per run, so concurrent runs (a developer's, CI's) never collide.
DATABASES["default"]["TEST"] = {"NAME": f"test_tika_{uuid.uuid4().hex[:8]}"}  # noqa: F405
SECRET_KEY = "test-only-insecure-key"  # noqa: S105
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "verification.providers.sandbox.mail.SandboxInboxBackend"
SMS_BACKEND = "verification.providers.sandbox.sms.SandboxInboxSmsBackend"
# A prefix per test run, so runs never see each other's cache entries (the worker started by
# the suite is given the same one).
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default=f"tika-test-{uuid.uuid4().hex[:8]}")  # noqa: F405
KYCVS_SANDBOX_REDIS_PREFIX = env(
    "KYCVS_SANDBOX_REDIS_PREFIX", default=f"kycvs-sandbox-test-{uuid.uuid4().hex[:8]}"
)

FIELD_ENCRYPTION_KEYS = [key_from_secret(SECRET_KEY)]
RATE_LIMIT_PREFIX = env("RATE_LIMIT_PREFIX", default=f"tika-rl-test-{uuid.uuid4().hex[:8]}")
# Many verifications run in a few minutes here; tests of the limits set their own.
KYCVS_RATE_LIMIT = "100000/minute"
KYCVS_SANDBOX_RATE_LIMIT = (100000, 300)
# Tasks sent by a test run go to a queue of its own (never to a dev worker's).
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default=f"tika-test-{uuid.uuid4().hex[:8]}")
EMPLOYEE_PAGES_RATE = "100000/minute"  # tests poll fast; the limit has its own test
