"""The sandbox's certificate signing key: the same in every process of a deployment, never
trusted in production."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

from portal.testing import PRODUCTION_ENV
from verification.providers.certificate.trust import key_id_of
from verification.providers.sandbox import keys

pytestmark = pytest.mark.django_db


def _settings_in_a_new_process(module: str, code: str, extra_env: dict[str, str]) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": module, **extra_env}
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_production_never_trusts_the_sandbox_key():
    code = "from django.conf import settings; print(settings.CERTIFICATE_TRUST_SANDBOX_KEY)"
    assert (
        _settings_in_a_new_process(
            "portal.settings.production", code, {**PRODUCTION_ENV, "KYCVS_SANDBOX_ENABLED": "true"}
        )
        == "False"
    )


def test_the_sandbox_key_is_the_same_in_every_process_of_a_deployment():
    code = (
        "from verification.providers.sandbox import keys; "
        "from verification.providers.certificate.trust import key_id_of; "
        "print(key_id_of(keys.certificate_signing_key().public_key()))"
    )
    here = key_id_of(keys.certificate_signing_key().public_key())
    assert _settings_in_a_new_process("portal.settings.test", code, {}) == here
    key = keys.certificate_signing_key()
    assert key.key_size == 2048 and key.public_key().public_numbers().e == 65537
