"""The verifier: bytes in, ``CertificateResult`` or a typed refusal out. No Django, no I/O
beyond the vendored files, no network."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from verification.providers.base import VaccinationStatus
from verification.providers.certificate import checks, decode
from verification.providers.certificate.contexts import CanonicalisationError, ContextRefused, canonize
from verification.providers.certificate.decode import Limits
from verification.providers.certificate.errors import CertificateRefused, Reason
from verification.providers.certificate.proof import (
    ALGORITHMS,
    MalformedProof,
    parse_jws,
    signature_matches,
    signing_input,
    split_credential,
)
from verification.providers.certificate.result import CertificateResult
from verification.providers.certificate.trust import NEVER_TRUSTED_KEY_IDS, KeyResolver


class RevocationCheck(Protocol):
    def is_revoked(self, *, certificate_id: str, key_id: str) -> bool:
        """Whether the issuer revoked this certificate."""
        ...


class NoRevocationList:
    """CoWIN publishes no revocation list: revocation is checked online only, by CoWIN's own
    verify.cowin.gov.in. This is where a list, once there is one, would be consulted."""

    def is_revoked(self, *, certificate_id: str, key_id: str) -> bool:
        return False


class CertificateVerifier:
    """Verifies CoWIN certificates offline against ``keys``, within ``limits``."""

    def __init__(
        self,
        *,
        keys: KeyResolver,
        limits: Limits | None = None,
        revocation: RevocationCheck | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.keys = keys
        self.limits = limits or Limits()
        self.revocation = revocation or NoRevocationList()
        self._clock = clock or (lambda: datetime.now(UTC))

    def verify_upload(self, data: bytes) -> CertificateResult:
        """A PDF, PNG/JPEG image, the raw bytes of a QR code, or a certificate.json.

        Raises ``CertificateUnreadable`` (not a readable certificate) or ``CertificateRefused``.
        """
        raw = decode.certificate_json(data, self.limits)
        return self.verify_credential(decode.parse_json(raw, self.limits))

    def verify_evidence(self, evidence: bytes) -> CertificateResult:
        """Verify stored evidence (``CertificateResult.evidence``) again, with today's keys and clock."""
        return self.verify_credential(decode.parse_json(evidence, self.limits))

    def verify_credential(self, credential: Any) -> CertificateResult:
        checks.check_shape(credential)
        proof = credential["proof"]
        proof_type = proof.get("type")
        if proof_type not in ALGORITHMS or proof.get("proofPurpose") != "assertionMethod":
            raise CertificateRefused(Reason.UNSUPPORTED_PROOF, "not an RSA or Ed25519 2018 assertion proof")
        method = proof.get("verificationMethod")
        candidates = self.keys.keys_for(method) if isinstance(method, str) else ()
        if any(key.key_id in NEVER_TRUSTED_KEY_IDS for key in candidates):
            raise CertificateRefused(Reason.DEMO_KEY, "verificationMethod resolves to DIVOC's demo key")
        if not candidates:
            raise CertificateRefused(Reason.UNKNOWN_VERIFICATION_METHOD, "no key for this verificationMethod")
        try:
            jws = parse_jws(proof.get("jws"), proof_type)
        except MalformedProof as exc:
            raise CertificateRefused(Reason.SIGNATURE_INVALID, str(exc)) from exc

        document, options, _ = split_credential(credential)
        try:
            document_nquads = canonize(document)
            options_nquads = canonize(options)
        except ContextRefused as exc:
            raise CertificateRefused(Reason.UNKNOWN_CONTEXT, "a context that is not vendored") from exc
        except CanonicalisationError as exc:
            raise CertificateRefused(Reason.NOT_COWIN_FORMAT, "not valid JSON-LD") from exc
        data = signing_input(jws.header_b64, options_nquads, document_nquads)
        key = next(
            (
                k
                for k in candidates
                if k.proof_type == proof_type and signature_matches(k.public_key, jws.signature, data)
            ),
            None,
        )
        if key is None:
            raise CertificateRefused(Reason.SIGNATURE_INVALID, "no trusted key verifies the signature")

        try:
            fields = checks.signed_fields(credential, document_nquads, now=self._clock())
        except CanonicalisationError as exc:
            raise CertificateRefused(Reason.NOT_COWIN_FORMAT, "the signed data does not parse") from exc
        if self.revocation.is_revoked(certificate_id=fields.certificate_id, key_id=key.key_id):
            raise CertificateRefused(Reason.REVOKED, "revoked by the issuer")
        status = (
            VaccinationStatus.FULLY_VACCINATED
            if fields.dose >= fields.total_doses
            else VaccinationStatus.PARTIALLY_VACCINATED
        )
        return CertificateResult(
            status=status,
            dose=fields.dose,
            total_doses=fields.total_doses,
            vaccine=fields.vaccine,
            date=fields.date,
            name=fields.name,
            certificate_id=fields.certificate_id,
            key_id=key.key_id,
            issued_at=fields.issued_at,
            evidence=decode.canonical_json(credential),
            review_reasons=fields.review_reasons,
        )
