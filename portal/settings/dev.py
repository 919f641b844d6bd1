"""Local development: `make run`. Safe defaults, nothing secret."""

from .base import *  # noqa: F403
from .base import BASE_DOMAIN, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[BASE_DOMAIN, f".{BASE_DOMAIN}", "127.0.0.1"])

if not FIELD_ENCRYPTION_KEYS:  # type: ignore[used-before-def]  # noqa: F405
    from verification.crypto import key_from_secret

    FIELD_ENCRYPTION_KEYS = [key_from_secret(SECRET_KEY)]

# E-mails land in the sandbox's dev inbox (/sandbox/inbox/) unless EMAIL_URL says otherwise.
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "verification.providers.sandbox.mail.SandboxInboxBackend"
