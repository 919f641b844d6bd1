"""Production: every secret comes from the environment and has no default.

Refuses to start without SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BASE_DIR, database_config, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set the ALLOWED_HOSTS environment variable.")
# No silent fall-back to a local database in production.
DATABASES = {"default": database_config(env("DATABASE_URL"))}
REDIS_URL = env("REDIS_URL")
CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
RATE_LIMIT_REDIS_URL = REDIS_URL
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
EMAIL_CONFIG = env.email_url("EMAIL_URL")
vars().update(EMAIL_CONFIG)
# No console SMS in production: a gateway is named, or SMS invitations are not offered.
SMS_BACKEND = env("SMS_BACKEND", default="")

FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("Set FIELD_ENCRYPTION_KEYS (Fernet keys, newest first).")

# The real KYC-VS service; the sandbox is never served in production.
KYCVS_SANDBOX_ENABLED = False
# KYC-VS needs a registered partner key: set all three, or none (then employees verify with
# their vaccination certificate only). Half a configuration stops the start.
KYCVS_BASE_URL = env("KYCVS_BASE_URL", default="")
KYCVS_API_KEY = env("KYCVS_API_KEY", default="")
KYCVS_VERIFY_KEY = env("KYCVS_VERIFY_KEY", default="")
_KYCVS = {
    "KYCVS_BASE_URL": KYCVS_BASE_URL,
    "KYCVS_API_KEY": KYCVS_API_KEY,
    "KYCVS_VERIFY_KEY": KYCVS_VERIFY_KEY,
}
if any(_KYCVS.values()) and not all(_KYCVS.values()):
    missing = ", ".join(name for name, value in _KYCVS.items() if not value)
    raise ImproperlyConfigured(f"Set {missing} too, or none of the KYCVS_* variables (certificates only).")
# Certificates: only CoWIN's key and CERTIFICATE_ISSUER_KEYS, never the sandbox's.
CERTIFICATE_TRUST_SANDBOX_KEY = False

STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
WHITENOISE_USE_FINDERS = False
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405

# HTTPS everywhere; cookies are Secure, HttpOnly, SameSite and host-only.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Behind a TLS-terminating proxy (TRUSTED_PROXIES set), its X-Forwarded-Proto says whether the
# client used HTTPS; portal.proxies.TrustedProxyMiddleware drops the header from anyone else.
# With no proxy configured the header means nothing (serve TLS in gunicorn, or set the proxy).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None  # noqa: F405
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
