"""The sandbox's demo certificates: downloadable from the inbox pages over HTTP, each verifies
with the command, and the PNG and PDF decode to the same credential in both QR encodings."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command

from verification.providers import certificate
from verification.providers.certificate.decode import Limits, certificate_json
from verification.providers.certificate.trust import key_id_of
from verification.providers.sandbox import certificates, keys, registry

pytestmark = pytest.mark.django_db

FILES = ("certificate.json", "certificate.pdf", "certificate-utf8.pdf", "certificate.png",
         "certificate-utf8.png", "qr.bin", "qr-utf8.bin")  # fmt: skip


def download(sandbox, mobile: str, filename: str) -> httpx.Response:
    return httpx.get(f"{sandbox.url}/sandbox/certificates/{mobile}/{filename}", timeout=30)


def check(path: Path) -> dict:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("certificate_check", str(path), "--json", stdout=out, stderr=io.StringIO())
    summary = json.loads(out.getvalue())
    summary["exit"] = exit_.value.code
    return summary


def test_the_inbox_page_links_every_certificate(sandbox):
    page = httpx.get(f"{sandbox.url}/sandbox/inbox/", timeout=10).text
    for demo in certificates.DEMO_CERTIFICATES:
        for filename in FILES:
            assert f'href="../certificates/{demo.mobile}/{filename}"' in page
        assert demo.summary in page
    assert page.count("no dose, so no certificate") == sum(1 for c in registry.CITIZENS if c.doses == 0)


def test_every_demo_certificate_downloads_and_verifies_with_the_command(sandbox, tmp_path):
    for demo in certificates.DEMO_CERTIFICATES:
        credential = None
        for filename in FILES:
            response = download(sandbox, demo.mobile, filename)
            assert response.status_code == 200, (demo.mobile, filename)
            assert "attachment" in response.headers["content-disposition"]
            path = tmp_path / f"{demo.mobile}-{filename}"
            path.write_bytes(response.content)
            summary = check(path)
            assert summary["exit"] == 0 and summary["valid"], (demo.mobile, filename, summary)
            assert summary["status"] == demo.citizen.status
            assert (summary["dose"], summary["name"]) == (demo.citizen.doses, demo.name_on_certificate)
            # Every file of one citizen holds the same signed credential, both QR encodings too.
            extracted = certificate_json(response.content, Limits())
            credential = credential or extracted
            assert extracted == credential, (demo.mobile, filename)


def test_demo_certificates_cover_the_cases_the_feature_layer_needs(sandbox):
    results = {
        demo.mobile: certificate.verify_upload(download(sandbox, demo.mobile, "certificate.png").content)
        for demo in certificates.DEMO_CERTIFICATES
    }
    assert results["9000000011"].status == 1 and (
        results["9000000011"].dose,
        results["9000000011"].total_doses,
    ) == (1, 2)
    assert results["9000000002"].precaution_dose and results["9000000002"].status == 2
    registered = {c.mobile: c.name for c in registry.CITIZENS}
    differing = [m for m, r in results.items() if r.name != registered[m]]
    assert differing == ["9000000012"] and results["9000000012"].name == "Laxmi Iyer"
    assert {r.key_id for r in results.values()} == {key_id_of(keys.certificate_signing_key().public_key())}


def test_unknown_citizens_and_files_are_404(sandbox, settings):
    assert download(sandbox, "9000000021", "certificate.pdf").status_code == 404  # no dose
    assert download(sandbox, "9999999999", "certificate.pdf").status_code == 404
    assert download(sandbox, "9000000001", "certificate.exe").status_code == 404
    settings.KYCVS_SANDBOX_ENABLED = False
    assert download(sandbox, "9000000001", "certificate.pdf").status_code == 404


def test_the_sandbox_key_is_trusted_only_where_configured(sandbox, settings):
    png = download(sandbox, "9000000001", "certificate.png").content
    assert certificate.verify_upload(png).status == 2
    settings.CERTIFICATE_TRUST_SANDBOX_KEY = False
    with pytest.raises(certificate.CertificateRefused) as caught:
        certificate.verify_upload(png)
    assert caught.value.code == "signature_invalid"
