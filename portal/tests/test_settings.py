"""Settings: production refuses to start half-configured; deploy checks pass; guards hold."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.test import override_settings

from portal.testing import PRODUCTION_ENV
from verification.providers.certificate.tests.certificates import ISSUER_KEY, OTHER_KEY, public_pem


def _load_production_settings(
    env: dict[str, str], code: str = "print('loaded')"
) -> subprocess.CompletedProcess[str]:
    """Start Django with production settings and ``env`` in a fresh process, then run ``code``."""
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**clean, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_load_when_complete():
    result = _load_production_settings(PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "loaded" in result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_URL",
        "KYCVS_BASE_URL",
        "KYCVS_API_KEY",
        "KYCVS_VERIFY_KEY",
        "FIELD_ENCRYPTION_KEYS",
    ],
)
def test_production_settings_refuse_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _load_production_settings(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_without_a_kycvs_partner_key_starts_with_certificates_only():
    """KYC-VS needs a registered partner key, which a deployment may not have: with none of the
    KYCVS_* variables, production starts and offers only the certificate route."""
    env = {k: v for k, v in PRODUCTION_ENV.items() if not k.startswith("KYCVS_")}
    code = (
        "from verification.providers import kycvs; "
        "from verification.attempts.selectors import methods_offered; "
        "print(kycvs.configured(), [str(m) for m in methods_offered(None)])"
    )
    result = _load_production_settings(env, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False ['certificate']"


def test_production_settings_never_read_the_embedded_services_file():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DATABASE_URL"}
    result = _load_production_settings(env)
    assert result.returncode != 0, "production fell back to .data/services.env"


def test_make_check_deploy_passes():
    result = subprocess.run(
        ["make", "--no-print-directory", "check-deploy"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_project_settings_pass_the_guard_checks():
    assert run_checks() == []


@override_settings(SESSION_COOKIE_DOMAIN=".localhost")
def test_parent_domain_session_cookie_is_refused():
    assert "portal.E001" in [e.id for e in run_checks()]


def test_cache_without_tenant_keys_is_refused():
    caches = {"default": {**settings.CACHES["default"], "KEY_FUNCTION": None}}
    with override_settings(CACHES=caches):
        assert "portal.E002" in [e.id for e in run_checks()]


@override_settings(CELERY_MAX_TASK_DELAY=3 * 60 * 60)
def test_retry_delay_longer_than_visibility_timeout_is_refused():
    assert "portal.E003" in [e.id for e in run_checks()]


def test_defaults():
    assert settings.DEFAULT_AUTO_FIELD == "django.db.models.BigAutoField"
    assert settings.CACHES["default"]["KEY_FUNCTION"] == "django_tenants.cache.make_key"
    assert "django.contrib.auth" in settings.TENANT_APPS
    assert "django.contrib.admin" not in settings.TENANT_APPS


def test_production_never_serves_the_sandbox():
    env = {**PRODUCTION_ENV, "KYCVS_SANDBOX_ENABLED": "true"}
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "import portal.urls_public as u; "
        "print(settings.KYCVS_SANDBOX_ENABLED, any('sandbox' in str(p.pattern) for p in u.urlpatterns))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in env}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"


def test_a_bad_trusted_proxies_entry_stops_the_start():
    result = _load_production_settings({**PRODUCTION_ENV, "TRUSTED_PROXIES": "10.0.0.5,proxy.internal"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "proxy.internal" in result.stderr


@pytest.mark.parametrize(
    ("proxies", "header"), [("", "None"), ("10.0.0.5", "('HTTP_X_FORWARDED_PROTO', 'https')")]
)
def test_production_believes_x_forwarded_proto_only_with_trusted_proxies(proxies, header):
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "TRUSTED_PROXIES"}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"],
        env={**clean, **PRODUCTION_ENV, "TRUSTED_PROXIES": proxies},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == header


def test_an_upload_of_the_largest_accepted_size_never_touches_the_disk() -> None:
    """Django spools an upload over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file, in clear:
    the largest employee file or certificate accepted (with its multipart envelope) stays in
    memory instead."""
    from django.conf import settings
    from django.core.files.uploadhandler import MemoryFileUploadHandler

    for limit in (settings.IMPORT_MAX_BYTES, settings.CERTIFICATE_MAX_UPLOAD_BYTES):
        handler = MemoryFileUploadHandler()
        handler.handle_raw_input(io.BytesIO(), {}, content_length=limit + 16 * 1024, boundary="b")
        assert handler.activated, limit


def test_a_bad_issuer_key_file_stops_the_project_at_start(tmp_path, settings):
    from django.core.checks import run_checks

    from verification.providers.certificate.tests.certificates import DATA

    settings.CERTIFICATE_ISSUER_KEYS = str(tmp_path / "missing.pem")
    assert [e.id for e in run_checks() if e.id == "portal.E004"] == ["portal.E004"]
    demo = tmp_path / "demo.pem"
    demo.write_bytes((DATA / "divoc-demo-public.pem").read_bytes())
    settings.CERTIFICATE_ISSUER_KEYS = str(demo)
    errors = [e for e in run_checks() if e.id == "portal.E004"]
    assert errors and "demo key" in errors[0].msg
    good = tmp_path / "good.pem"
    good.write_bytes(public_pem(ISSUER_KEY) + public_pem(OTHER_KEY))
    settings.CERTIFICATE_ISSUER_KEYS = str(good)
    assert not [e for e in run_checks() if e.id == "portal.E004"]
