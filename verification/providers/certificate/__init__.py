"""Verifying a CoWIN vaccination certificate offline (a DIVOC W3C Verifiable Credential).

The API the feature layer calls (docs/certificate.md explains the checks)::

    from verification.providers import certificate

    result = certificate.verify_upload(data)       # bytes of a PDF, PNG/JPEG, QR bytes or JSON
    result.status, result.dose, result.certificate_id, result.key_id, result.needs_review
    store(result.evidence)                          # the signed credential (encrypt it at rest)
    certificate.verify_evidence(evidence)           # verify it again later

Both raise ``CertificateUnreadable`` (the file holds no readable certificate) or
``CertificateRefused`` (it does not verify); both carry ``code`` and a translatable ``message``.

``get_verifier()`` is configured from settings: ``CERTIFICATE_ISSUER_KEYS`` (a PEM file of
further trusted keys), ``CERTIFICATE_TRUST_SANDBOX_KEY`` (the sandbox's key, where the sandbox
runs; never in production) and the ``CERTIFICATE_MAX_*`` limits.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils.module_loading import import_string

from verification.providers.certificate.decode import Limits
from verification.providers.certificate.errors import (
    CertificateConfigError,
    CertificateError,
    CertificateRefused,
    CertificateUnreadable,
    Reason,
    ReviewReason,
)
from verification.providers.certificate.result import METHOD, CertificateResult
from verification.providers.certificate.trust import TrustedKey, TrustStore, trusted_key
from verification.providers.certificate.verifier import CertificateVerifier

__all__ = [
    "METHOD",
    "CertificateConfigError",
    "CertificateError",
    "CertificateRefused",
    "CertificateResult",
    "CertificateUnreadable",
    "CertificateVerifier",
    "Limits",
    "Reason",
    "ReviewReason",
    "get_verifier",
    "verify_evidence",
    "verify_upload",
]

_lock = threading.Lock()
_verifiers: dict[tuple[object, ...], CertificateVerifier] = {}


def _sandbox_key() -> TrustedKey:
    # Named by the settings (CERTIFICATE_SANDBOX_KEY): this package does not know the sandbox.
    public_key = import_string(settings.CERTIFICATE_SANDBOX_KEY)()
    return trusted_key(public_key, label="Tika sandbox (not CoWIN)")


def configured_limits() -> Limits:
    return Limits(
        max_upload_bytes=settings.CERTIFICATE_MAX_UPLOAD_BYTES,
        max_image_pixels=settings.CERTIFICATE_MAX_IMAGE_PIXELS,
        max_pdf_pages=settings.CERTIFICATE_MAX_PDF_PAGES,
    )


def get_verifier() -> CertificateVerifier:
    """The verifier of these settings, one per process and configuration.

    Raises ``CertificateConfigError`` when ``CERTIFICATE_ISSUER_KEYS`` is unusable.
    """
    trust_sandbox = bool(settings.CERTIFICATE_TRUST_SANDBOX_KEY)
    limits = configured_limits()
    key = (
        settings.CERTIFICATE_ISSUER_KEYS,
        trust_sandbox,
        settings.SECRET_KEY if trust_sandbox else "",
        limits,
    )
    with _lock:
        verifier = _verifiers.get(key)
        if verifier is None:
            store = TrustStore.configured(
                issuer_keys_file=settings.CERTIFICATE_ISSUER_KEYS,
                extra=[_sandbox_key()] if trust_sandbox else [],
            )
            verifier = _verifiers[key] = CertificateVerifier(keys=store, limits=limits)
        return verifier


def verify_upload(data: bytes) -> CertificateResult:
    """Verify an uploaded certificate (PDF, PNG/JPEG, raw QR bytes or certificate.json)."""
    return get_verifier().verify_upload(data)


def verify_evidence(evidence: bytes) -> CertificateResult:
    """Verify stored evidence (``CertificateResult.evidence``) again."""
    return get_verifier().verify_evidence(evidence)
