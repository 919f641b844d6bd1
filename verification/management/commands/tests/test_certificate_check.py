"""``manage.py certificate_check``: exit codes 0/1/2, the one-line ``--json`` shape, no database."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from verification.providers.certificate.tests.certificates import (
    ISSUER_KEY,
    OTHER_KEY,
    credential,
    edited,
    public_pem,
    signed,
)
from verification.providers.sandbox import certificates as sandbox

JSON_KEYS = [
    "valid", "status", "dose", "total_doses", "vaccine", "date", "name",
    "certificate_id", "key_id", "needs_review", "reason",
]  # fmt: skip


@pytest.fixture
def trusted_test_key(tmp_path, settings):
    """The tests' issuer key, trusted through CERTIFICATE_ISSUER_KEYS (as an operator would)."""
    keys = tmp_path / "issuer-keys.pem"
    keys.write_bytes(public_pem(ISSUER_KEY))
    settings.CERTIFICATE_ISSUER_KEYS = str(keys)
    return keys


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("certificate_check", *args, stdout=out, stderr=err)
    return int(exit_.value.code or 0), out.getvalue(), err.getvalue()


def test_a_valid_certificate_exits_0(trusted_test_key, tmp_path):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(sandbox.pdf(sandbox.DEMO_CERTIFICATES[0], signed(), "utf8"))
    code, out, _ = run(str(path))
    assert code == 0
    assert out.startswith(
        "VALID: partially vaccinated (status 1), COVISHIELD, dose 1 of 2, last dose 2021-06-15"
    )
    assert "Meena Rao" in out and "81234567890" in out


def test_json_shape_of_a_valid_certificate(trusted_test_key, tmp_path):
    path = tmp_path / "certificate.json"
    path.write_bytes(sandbox.certificate_json(signed()))
    code, out, _ = run(str(path), "--json")
    assert code == 0 and out.count("\n") == 1
    summary = json.loads(out)
    assert list(summary) == JSON_KEYS
    assert summary == {
        "valid": True, "status": 1, "dose": 1, "total_doses": 2, "vaccine": "COVISHIELD",
        "date": "2021-06-15", "name": "Meena Rao", "certificate_id": "81234567890",
        "key_id": summary["key_id"], "needs_review": False, "reason": None,
    }  # fmt: skip
    assert len(summary["key_id"]) == 64


def test_a_refused_certificate_exits_1(trusted_test_key, tmp_path):
    path = tmp_path / "forged.json"
    path.write_bytes(sandbox.certificate_json(edited(signed(), "credentialSubject.name", "Someone Else")))
    code, out, _ = run(str(path), "--json")
    assert code == 1
    assert json.loads(out) == dict.fromkeys(JSON_KEYS) | {
        "valid": False, "needs_review": False, "reason": "signature_invalid",
    }  # fmt: skip
    path.write_bytes(sandbox.certificate_json(signed(key=OTHER_KEY)))
    code, _, err = run(str(path))
    assert code == 1 and err.startswith("NOT VALID: ") and "(signature_invalid)" in err


def test_unreadable_input_exits_2(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello")
    code, out, _ = run(str(path), "--json")
    assert code == 2 and json.loads(out)["reason"] == "not_a_certificate"
    code, out, _ = run(str(tmp_path / "missing.pdf"), "--json")
    assert code == 2 and json.loads(out)["reason"] == "unreadable_file"


def test_raw_qr_bytes_and_a_png(trusted_test_key, tmp_path):
    for name, data in (
        ("qr.bin", sandbox.qr_payload(signed(), "utf8")),
        ("qr.png", sandbox.png(sandbox.DEMO_CERTIFICATES[0], signed(), "zip")),
    ):
        (tmp_path / name).write_bytes(data)
        assert run(str(tmp_path / name), "--json")[0] == 0


def test_needs_review_is_reported(trusted_test_key, tmp_path):
    path = tmp_path / "c.json"
    path.write_bytes(sandbox.certificate_json(signed(credential(dose=5))))
    summary = json.loads(run(str(path), "--json")[1])
    assert summary["valid"] and summary["needs_review"] and summary["reason"] == "dose_unusual"


def test_the_command_from_the_shell_needs_no_database(trusted_test_key, tmp_path):
    """A real process with a database URL that cannot be reached: it must not notice."""
    path = tmp_path / "certificate.json"
    path.write_bytes(sandbox.certificate_json(signed()))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": "postgres://nobody@db.invalid:1/none",
        "CERTIFICATE_ISSUER_KEYS": str(trusted_test_key),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "certificate_check", "--json", str(path)],
        cwd=Path(settings.BASE_DIR), env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip())["name"] == "Meena Rao"
    done = subprocess.run(
        [sys.executable, "manage.py", "certificate_check", "--json", "-"],
        cwd=Path(settings.BASE_DIR), env=env, input="not a certificate",
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and json.loads(done.stdout)["valid"] is False
