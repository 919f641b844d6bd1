"""What a verified certificate tells: derived fields only, and the signed credential as evidence.

Date of birth, age, gender, address, identity numbers and the reference id are never fields of
``CertificateResult``: they exist only inside ``evidence``, the signed credential, which the
feature layer stores encrypted so that it can be verified again (``verify_evidence``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from verification.providers.base import VaccinationStatus
from verification.providers.certificate.errors import ReviewReason

METHOD = "certificate"


@dataclass(frozen=True)
class CertificateResult:
    """A certificate whose signature and signed fields verified.

    ``certificate_id`` is CoWIN's id of the certificate, bound to the signature. One
    certificate id must verify at most one employee of an organization: the feature layer
    enforces that. ``needs_review`` is set when a check raised a doubt short of refusing
    (``review_reasons`` says which); matching ``name`` against the employee is the feature
    layer's job.
    """

    status: VaccinationStatus
    dose: int
    total_doses: int
    vaccine: str
    date: date  # of the last dose recorded
    name: str
    certificate_id: str
    key_id: str  # SHA-256 of the signing key's DER SubjectPublicKeyInfo
    issued_at: datetime
    evidence: bytes = field(repr=False)  # the signed credential, canonical JSON (UTF-8)
    review_reasons: tuple[ReviewReason, ...] = ()
    method: str = METHOD

    @property
    def precaution_dose(self) -> bool:
        """A dose beyond the vaccine's primary schedule (a "booster")."""
        return self.dose > self.total_doses

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons)
