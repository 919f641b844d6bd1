"""Certificate verification: the whole verifier on the sandbox's PDF and PNG, decode included.

Inputs, off the clock: the sandbox's demo certificate of 9000000001 (signed with the sandbox's
key, which the dev settings trust), as its PDF and its PNG, each in both QR encodings.

* ``certificate_verify_per_s``: verifications per second through the employee's upload view
  (``POST /c/<token>/certificate/`` by Django's test client through the whole middleware
  stack, in a bench organization): the form, the verifier (read the file, find and read the QR
  code, unzip, parse, canonicalise, check the signature and the signed fields), the name match
  and the writes (attempt, encrypted evidence, the employee's row, audit event), one employee
  after the other, each with a certificate of their own (a certificate verifies one employee),
  over PDF and PNG in both QR encodings; ``certificate_verify_pdf_per_s`` / ``_png_per_s``:
  the same per kind of file; ``certificate_verifier_per_s``: ``verify_upload`` alone.
* ``certificate_p95_ms``: 95th percentile of one upload through the view, over the same runs.
* baseline ``certificate_floor_per_s``: what no verifier can skip, measured in the same run
  and alternating with the figure: canonicalising the document and the proof options, and one
  RSA-PSS verification.
* ``certificate_pdf_peak_mb``: how far the RSS high-water mark (Linux ``VmHWM``, so native
  allocations of pdfium and zxing count) rises above the RSS before, in a fresh process
  verifying a 10 MB PDF: a page of noise (an incompressible "scan", JPEG) first, the
  certificate page after it.

``verifications(verify, files, rounds)`` times any ``verify(bytes)``: pass another callable
(an upload view through the test client, say) to measure that path instead.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import Figure

ROUNDS = 15  # per file and per alternation; a PDF takes about 30 ms
ALTERNATIONS = 3
PDF_TARGET_BYTES = 10_000_000  # "10 MB", under the 10 MiB upload limit
MOBILE = "9000000001"


def sandbox_files() -> dict[str, bytes]:
    from verification.providers.sandbox import certificates

    demo = certificates.demo_certificate(MOBILE)
    assert demo is not None
    signed = certificates.sign(demo)
    files = {}
    for encoding in certificates.ENCODINGS:
        files[f"pdf-{encoding}"] = certificates.pdf(demo, signed, encoding)
        files[f"png-{encoding}"] = certificates.png(demo, signed, encoding)
    return files


def verifications(verify: Callable[[bytes], object], files: Sequence[bytes], rounds: int) -> list[float]:
    """Seconds of each ``verify(file)``, ``rounds`` times over ``files`` in turn."""
    times = []
    for _ in range(rounds):
        for data in files:
            started = time.perf_counter()
            verify(data)
            times.append(time.perf_counter() - started)
    return times


def floor_action(evidence: bytes, key_id: str) -> Callable[[], None]:
    """Canonicalisation of document and proof options plus one RSA-PSS verify, nothing else."""
    from verification.providers.certificate import get_verifier
    from verification.providers.certificate.contexts import canonize
    from verification.providers.certificate.proof import (
        parse_jws,
        signature_matches,
        signing_input,
        split_credential,
    )

    credential = json.loads(evidence)
    key = next(k for k in get_verifier().keys.keys_for("did:india") if k.key_id == key_id)
    jws = parse_jws(credential["proof"]["jws"], "RsaSignature2018")

    def floor() -> None:
        document, options, _ = split_credential(credential)
        data = signing_input(jws.header_b64, canonize(options), canonize(document))
        if not signature_matches(key.public_key, jws.signature, data):
            raise RuntimeError("the floor's signature does not verify")

    return floor


def ten_mb_pdf(certificate_pdf: bytes) -> bytes:
    """A PDF of about 10 MB: a page of incompressible "scan" first, then the certificate page."""
    import pypdfium2 as pdfium
    from PIL import Image

    page = pdfium.PdfDocument(certificate_pdf)[0].render(scale=200 / 72).to_pil().convert("RGB")
    width, height = 2480, 3508  # A4 at 300 dpi
    pdf = b""
    for _ in range(4):  # scale the noise page until the PDF is just under the target size
        noise = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
        buffer = io.BytesIO()
        noise.save(buffer, "PDF", resolution=300, save_all=True, append_images=[page], quality=60)
        pdf = buffer.getvalue()
        if 0.97 * PDF_TARGET_BYTES <= len(pdf) <= PDF_TARGET_BYTES:
            break
        height = int(height * (0.985 * PDF_TARGET_BYTES / len(pdf)) ** 0.5)
        width = int(width * (0.985 * PDF_TARGET_BYTES / len(pdf)) ** 0.5)
    return pdf


def pdf_peak_mb(pdf: bytes, warm: bytes) -> tuple[float, float]:
    """(peak RSS growth MB, peak RSS MB) of a fresh process verifying ``pdf`` (after ``warm``)."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "big.pdf").write_bytes(pdf)
        (Path(folder) / "warm.png").write_bytes(warm)
        done = subprocess.run(
            [sys.executable, "-m", "bench.certificate", "--peak", folder],
            cwd=Path(__file__).resolve().parent.parent,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "portal.settings.dev"),
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
    if done.returncode != 0:
        raise RuntimeError(f"peak-memory child failed:\n{done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures["growth_mb"], figures["peak_mb"]


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _peak_child(folder: str) -> None:
    """Linux's VmHWM is the process's RSS high-water mark (native allocations included); writing
    5 to clear_refs resets it, so the peak measured is the verification's alone."""
    import django

    django.setup()
    from verification.providers.certificate import get_verifier

    verifier = get_verifier()
    data = (Path(folder) / "big.pdf").read_bytes()
    verifier.verify_upload((Path(folder) / "warm.png").read_bytes())  # imports, key, contexts
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kb("VmRSS")
    result = verifier.verify_upload(data)
    peak = _status_kb("VmHWM")
    assert result.certificate_id
    print(json.dumps({"growth_mb": (peak - before) / 1024, "peak_mb": peak / 1024}))


def employee_certificates(count: int) -> list[tuple[str, bytes]]:
    """``count`` certificates of the sandbox's demo citizen, each with its own certificate id
    (signed by the sandbox's key), as (kind, file): PDF and PNG in both encodings in turn."""
    import dataclasses

    from verification.providers.sandbox import certificates

    demo = certificates.demo_certificate(MOBILE)
    assert demo is not None
    kinds = [("pdf", "zip"), ("png", "zip"), ("pdf", "utf8"), ("png", "utf8")]
    made = []
    for index in range(count):
        own = dataclasses.replace(demo, certificate_id=f"8{index:010d}")
        signed = certificates.sign(own)
        kind, encoding = kinds[index % len(kinds)]
        render = certificates.pdf if kind == "pdf" else certificates.png
        made.append((kind, render(own, signed, encoding)))
    return made


def view_uploads(count: int) -> tuple[list[float], list[float], list[float]]:
    """Seconds of each upload through the view (all, PDF, PNG), ``count`` employees of a bench
    organization uploading their own certificate once each."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import tenant_context

    from bench.throwaway import bench_organization
    from verification.consent.services import consent_give
    from verification.employees.services import employee_create
    from verification.invitations.services import invitation_create

    uploads = employee_certificates(count + 4)  # four to warm up
    with bench_organization() as organization:
        tokens = []
        with tenant_context(organization):
            for index in range(len(uploads)):
                employee = employee_create(
                    code=f"C{index:05d}", full_name="Ravi Kumar", email=f"c{index}@bench.example"
                )
                invitation = invitation_create(employee=employee)
                consent_give(invitation=invitation, language="en", ip=None, user_agent="bench")
                tokens.append(invitation.token)
        client = Client(HTTP_HOST=organization.get_primary_domain().domain)
        whole: list[float] = []
        pdf: list[float] = []
        png: list[float] = []
        for index, ((kind, data), token) in enumerate(zip(uploads, tokens, strict=True)):
            upload = SimpleUploadedFile(f"certificate.{kind}", data, f"application/{kind}")
            started = time.perf_counter()
            response = client.post(f"/c/{token}/certificate/", {"file": upload})
            elapsed = time.perf_counter() - started
            if response.status_code != 302 or not response["Location"].endswith("/done/"):
                raise RuntimeError(f"upload {index} was not accepted (HTTP {response.status_code})")
            if index >= 4:
                whole.append(elapsed)
                (pdf if kind == "pdf" else png).append(elapsed)
        connection.set_schema_to_public()  # type: ignore[attr-defined]  # the requests left the connection on the bench schema
    return whole, pdf, png


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def run() -> list[Figure]:
    from verification.providers.certificate import get_verifier

    verifier = get_verifier()
    files = sandbox_files()
    ordered = [files["pdf-zip"], files["png-zip"], files["pdf-utf8"], files["png-utf8"]]
    for data in ordered:  # warm up, and fail early if a file does not verify
        verifier.verify_upload(data)
    reference = verifier.verify_upload(ordered[0])
    floor = floor_action(reference.evidence, reference.key_id)
    whole: list[float] = []
    pdf_times: list[float] = []
    png_times: list[float] = []
    verifier_times: list[float] = []
    floor_times: list[float] = []
    for _ in range(ALTERNATIONS):
        views, pdfs, pngs = view_uploads(ROUNDS * 4)
        whole += views
        pdf_times += pdfs
        png_times += pngs
        verifier_times += verifications(verifier.verify_upload, ordered, ROUNDS)
        floor_times += verifications(lambda _data: floor(), [b""] * 4, ROUNDS)
    big = ten_mb_pdf(files["pdf-zip"])
    growth_mb, peak_mb = pdf_peak_mb(big, files["png-zip"])

    baseline = Figure(
        "certificate_floor_per_s",
        len(floor_times) / sum(floor_times),
        "verifications/s",
        "higher",
        note="canonicalise document + proof options (URDNA2015, pyld) and one RSA-PSS verify, nothing else",
    )
    pdf_p95, png_p95 = (percentile(times, 0.95) * 1000 for times in (pdf_times, png_times))
    note = (
        f"POST /c/<token>/certificate/ through the test client, {len(whole)} employees each with a "
        f"certificate of their own, PDF and PNG in both QR encodings; PDF p95 {pdf_p95:.0f} ms, "
        f"PNG p95 {png_p95:.0f} ms"
    )
    return [
        Figure(
            "certificate_verify_per_s", len(whole) / sum(whole), "verifications/s", "higher", baseline, note
        ),
        Figure("certificate_verify_pdf_per_s", len(pdf_times) / sum(pdf_times), "verifications/s", "higher"),
        Figure("certificate_verify_png_per_s", len(png_times) / sum(png_times), "verifications/s", "higher"),
        Figure(
            "certificate_verifier_per_s",
            len(verifier_times) / sum(verifier_times),
            "verifications/s",
            "higher",
            note="verify_upload alone over the same four files",
        ),
        Figure("certificate_p95_ms", percentile(whole, 0.95) * 1000, "ms", "lower"),
        Figure(
            "certificate_pdf_peak_mb",
            growth_mb,
            "MB",
            "lower",
            note=f"a {len(big) / 1e6:.1f} MB PDF (noise scan page, then the certificate) in a fresh process: "
            f"VmHWM above the RSS before (peak RSS {peak_mb:.0f} MB)",
        ),
    ]


def _main(argv: list[str]) -> Any:
    if len(argv) == 2 and argv[0] == "--peak":
        return _peak_child(argv[1])
    raise SystemExit("usage: python -m bench.certificate --peak FILE.pdf (used by the bench topic)")


if __name__ == "__main__":
    _main(sys.argv[1:])
