"""Local development: `make run`. Safe defaults, nothing secret."""

import sys

from .base import *  # noqa: F403
from .base import BASE_DOMAIN, DATABASES, TEMPLATES, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[BASE_DOMAIN, f".{BASE_DOMAIN}", "127.0.0.1"])

if not FIELD_ENCRYPTION_KEYS:  # type: ignore[used-before-def]  # noqa: F405
    from verification.crypto import key_from_secret

    FIELD_ENCRYPTION_KEYS = [key_from_secret(SECRET_KEY)]

# E-mails land in the sandbox's dev inbox (/sandbox/inbox/) unless EMAIL_URL says otherwise.
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "verification.providers.sandbox.mail.SandboxInboxBackend"
# SMS invitations land there too unless SMS_BACKEND names a gateway.
SMS_BACKEND = env("SMS_BACKEND", default="verification.providers.sandbox.sms.SandboxInboxSmsBackend")

# `make run` serves through gunicorn with a fixed pool of threads (Procfile), each keeping one
# connection. `manage.py runserver` starts a thread per request instead: kept connections would
# pile up to PostgreSQL's max_connections under load, so there each request closes its own.
if len(sys.argv) > 1 and sys.argv[1] == "runserver":
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Templates are read again on every render while DEBUG, so an edited template shows on the next
# reload (gunicorn's --reload watches Python files only).
if DEBUG:
    TEMPLATES[0]["APP_DIRS"] = False
    TEMPLATES[0]["OPTIONS"]["loaders"] = [  # type: ignore[index]
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
