"""The certificate verifier: valid certificates, and every forgery the issue lists.

Certificates are signed here with generated keys (certificates.py beside this file). A "swap"
test first proves the swap leaves the signature valid (same canonical N-Quads), so the refusal
comes from the check under test, not from the signature.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from verification.providers.base import VaccinationStatus
from verification.providers.certificate import CertificateRefused, Reason, ReviewReason
from verification.providers.certificate.contexts import canonize
from verification.providers.certificate.result import CertificateResult
from verification.providers.certificate.tests.certificates import (
    DATA,
    ED25519_KEY,
    NOW,
    OTHER_KEY,
    block_network,
    credential,
    edited,
    signed,
    verifier,
)
from verification.providers.certificate.trust import (
    TrustedKey,
    TrustStore,
    key_id_of,
)
from verification.providers.certificate.verifier import CertificateVerifier


def refusal(credential_: dict[str, Any], v: CertificateVerifier | None = None) -> Reason:
    with pytest.raises(CertificateRefused) as caught:
        (v or verifier()).verify_credential(credential_)
    return caught.value.reason


def same_signed_data(a: dict[str, Any], b: dict[str, Any]) -> bool:
    strip = lambda c: {k: v for k, v in c.items() if k != "proof"}  # noqa: E731
    return canonize(strip(a)) == canonize(strip(b))


# --- Valid certificates ---------------------------------------------------------------------


def test_a_signed_certificate_verifies_with_its_derived_fields():
    result = verifier().verify_credential(signed())
    assert result.status == VaccinationStatus.PARTIALLY_VACCINATED
    assert (result.dose, result.total_doses, result.vaccine) == (1, 2, "COVISHIELD")
    assert result.date.isoformat() == "2021-06-15"
    assert (result.name, result.certificate_id, result.method) == ("Meena Rao", "81234567890", "certificate")
    assert not result.precaution_dose and not result.needs_review


def test_full_and_precaution_doses():
    full = verifier().verify_credential(signed(credential(dose=2)))
    assert full.status == VaccinationStatus.FULLY_VACCINATED and not full.precaution_dose
    booster = verifier().verify_credential(signed(credential(dose=3)))
    assert booster.status == VaccinationStatus.FULLY_VACCINATED and booster.precaution_dose
    single = verifier().verify_credential(signed(credential(vaccine="Sputnik Light", totalDoses=1)))
    assert single.status == VaccinationStatus.FULLY_VACCINATED and single.total_doses == 1


def test_an_ed25519_signature_verifies():
    result = verifier(ED25519_KEY).verify_credential(signed(key=ED25519_KEY))
    assert result.key_id == key_id_of(ED25519_KEY.public_key())


def test_the_result_carries_no_personal_field_beyond_the_name():
    fields = {f.name for f in dataclasses.fields(CertificateResult)}
    assert not fields & {"dob", "age", "gender", "address", "ref_id", "refId", "id_document", "subject_id"}
    result = verifier().verify_credential(signed())
    shown = json.dumps({k: str(v) for k, v in dataclasses.asdict(result).items() if k != "evidence"})
    for private in ("XXXXXXXX4321", "12345678901234", "Female", "411001", "Maharashtra"):
        assert private not in shown
    assert b"12345678901234" in result.evidence  # only inside the signed credential


def test_evidence_is_the_signed_credential_and_verifies_again():
    certificate = signed()
    result = verifier().verify_credential(certificate)
    assert json.loads(result.evidence) == certificate
    assert (
        result.evidence
        == json.dumps(certificate, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )
    again = verifier().verify_evidence(result.evidence)
    assert dataclasses.replace(again, evidence=b"") == dataclasses.replace(result, evidence=b"")
    tampered = result.evidence.replace(b"Meena Rao", b"Meena Roy")
    with pytest.raises(CertificateRefused) as caught:
        verifier().verify_evidence(tampered)
    assert caught.value.reason == Reason.SIGNATURE_INVALID


def test_certificates_signed_by_cowins_javascript_stack_verify():
    """Golden vectors made with jsonld-signatures 6.0.0 + jsonld 2.0.2 (CoWIN's signer stack) and
    keys generated for them; the subject id has a space (did:Voter ID:...)."""
    from verification.providers.certificate.trust import keys_from_pem

    for name in ("rsa", "ed25519"):
        keys = keys_from_pem((DATA / f"jsigs6-{name}.pem").read_bytes(), label=name)
        v = CertificateVerifier(keys=TrustStore(keys), clock=lambda: NOW)
        result = v.verify_upload((DATA / f"jsigs6-{name}.json").read_bytes())
        assert (result.name, result.dose, result.total_doses, result.status) == ("Asha Verma", 2, 2, 2)


# --- Tampering and keys -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("credentialSubject.name", "Meena Raomani"),
        ("evidence.0.dose", 2),
        ("evidence.0.date", "2021-06-16T04:55:00.000Z"),
        ("evidence.0.vaccine", "COVAXIN"),
        ("issuanceDate", "2021-06-16T05:01:12.000Z"),
    ],
)
def test_a_tampered_field_breaks_the_signature(path, value):
    assert refusal(edited(signed(), path, value)) == Reason.SIGNATURE_INVALID


def test_a_key_that_is_not_trusted_is_refused():
    assert refusal(signed(key=OTHER_KEY)) == Reason.SIGNATURE_INVALID
    assert refusal(signed(key=ED25519_KEY)) == Reason.SIGNATURE_INVALID  # RSA key trusted only


def test_an_unknown_verification_method_is_refused():
    assert refusal(signed(verification_method="did:srilanka:moh")) == Reason.UNKNOWN_VERIFICATION_METHOD


def test_proofs_of_another_kind_are_refused():
    certificate = signed()
    assert refusal(edited(certificate, "proof.type", "JsonWebSignature2020")) == Reason.UNSUPPORTED_PROOF
    assert refusal(edited(certificate, "proof.proofPurpose", "authentication")) == Reason.UNSUPPORTED_PROOF
    header, _, signature = certificate["proof"]["jws"].partition("..")
    rs256 = "eyJhbGciOiJSUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19"  # {"alg":"RS256",...}
    assert refusal(edited(certificate, "proof.jws", f"{rs256}..{signature}")) == Reason.SIGNATURE_INVALID
    assert refusal(edited(certificate, "proof.jws", f"{header}.e30.{signature}")) == Reason.SIGNATURE_INVALID


DIVOC_DEMO_PEM = (DATA / "divoc-demo-public.pem").read_bytes()


def test_a_certificate_whose_verification_method_resolves_to_the_demo_key_is_refused():
    """Whatever resolves did:india (DIVOC's own open-source verifier resolves it to the demo
    key), the verifier refuses the demo key before looking at the signature."""
    demo = serialization.load_pem_public_key(DIVOC_DEMO_PEM)

    class DivocDefaultResolver:
        def keys_for(self, verification_method: str) -> list[TrustedKey]:
            return [TrustedKey(key_id=key_id_of(demo), label="DIVOC default", public_key=demo)]  # type: ignore[arg-type]

    v = CertificateVerifier(keys=DivocDefaultResolver(), clock=lambda: NOW)
    assert refusal(signed(), v) == Reason.DEMO_KEY


def test_a_certificate_not_issued_by_cowin_is_refused():
    assert refusal(signed(edited(credential(), "issuer", "https://example.org/"))) == Reason.WRONG_ISSUER


def test_revocation_hook_is_consulted():
    class Revoked:
        def is_revoked(self, *, certificate_id: str, key_id: str) -> bool:
            return certificate_id == "81234567890"

    assert refusal(signed(), verifier(revocation=Revoked())) == Reason.REVOKED


# --- Fields outside the signed data -------------------------------------------------------------


def test_a_relative_subject_id_drops_the_name_out_of_the_signature():
    certificate = signed(edited(credential(), "credentialSubject.id", "XXXXXXXX4321"))
    document = {k: v for k, v in certificate.items() if k != "proof"}
    assert "Meena Rao" not in canonize(document)  # the signature does not cover the name...
    # ...so any name verifies against it: the verifier refuses instead.
    assert refusal(certificate) == Reason.UNSIGNED_FIELD
    assert refusal(edited(certificate, "credentialSubject.name", "Someone Else")) == Reason.UNSIGNED_FIELD


def test_a_field_the_context_does_not_define_is_not_signed():
    # Without "type": "Person" the Person context does not apply: "name" maps to nothing.
    certificate = signed(edited(credential(), "credentialSubject.type", "Human"))
    assert refusal(certificate) == Reason.UNSIGNED_FIELD


def test_a_relative_evidence_id_drops_the_vaccination_out_of_the_signature():
    certificate = signed(edited(credential(), "evidence.0.id", "vaccine/81234567890"))
    assert refusal(certificate) == Reason.UNSIGNED_FIELD


def test_json_ld_keywords_inside_the_credential_are_refused():
    assert refusal(edited(signed(), "credentialSubject.@id", "did:x:y")) == Reason.NOT_COWIN_FORMAT


# --- Swaps that keep the signature valid --------------------------------------------------------


def test_swapped_dose_and_total_doses_are_refused():
    certificate = signed(credential(dose=1, totalDoses=2))
    swapped = edited(edited(certificate, "evidence.0.dose", 2), "evidence.0.totalDoses", 1)
    assert same_signed_data(certificate, swapped)
    assert refusal(swapped) == Reason.DOSE_SCHEDULE_MISMATCH
    # A precaution dose swapped the other way ("dose 2 of 3") is refused the same way.
    booster = signed(credential(dose=3, totalDoses=2))
    swapped = edited(edited(booster, "evidence.0.dose", 2), "evidence.0.totalDoses", 3)
    assert same_signed_data(booster, swapped)
    assert refusal(swapped) == Reason.DOSE_SCHEDULE_MISMATCH


def test_a_total_that_is_not_the_vaccines_schedule_is_refused():
    assert refusal(signed(credential(dose=1, totalDoses=1))) == Reason.DOSE_SCHEDULE_MISMATCH


def test_swapped_date_and_effective_until_are_refused():
    # effectiveUntil after the issuance: swapped into "date" it becomes impossible.
    certificate = signed(credential(effectiveUntil="2021-09-07"))
    assert verifier().verify_credential(certificate).date.isoformat() == "2021-06-15"
    swapped = edited(
        edited(certificate, "evidence.0.date", "2021-09-07"),
        "evidence.0.effectiveUntil",
        "2021-06-15T04:55:00.000Z",
    )
    assert same_signed_data(certificate, swapped)
    assert refusal(swapped) == Reason.DATE_IMPLAUSIBLE


def test_swapped_dates_the_signature_cannot_tell_apart_need_review():
    # An effectiveStart before the issuance could as well be the day of the dose.
    certificate = signed(credential(effectiveStart="2021-06-01", issuanceDate=None))
    swapped = edited(
        edited(certificate, "evidence.0.date", "2021-06-01"),
        "evidence.0.effectiveStart",
        "2021-06-15T04:55:00.000Z",
    )
    assert same_signed_data(certificate, swapped)
    for candidate in (certificate, swapped):
        result = verifier().verify_credential(candidate)
        assert result.needs_review and result.review_reasons == (ReviewReason.DATE_AMBIGUOUS,)


def test_vaccine_and_batch_swapped_are_refused():
    certificate = signed()
    swapped = edited(edited(certificate, "evidence.0.vaccine", "4121Z077"), "evidence.0.batch", "COVISHIELD")
    assert same_signed_data(certificate, swapped)
    assert refusal(swapped) == Reason.UNKNOWN_VACCINE


def test_a_second_vaccine_name_among_the_shared_fields_is_refused():
    # batch names a one-dose vaccine: swapped into "vaccine", dose 2 of 1 would read "fully vaccinated".
    certificate = signed(credential(batch="Sputnik Light"))
    swapped = edited(
        edited(edited(certificate, "evidence.0.vaccine", "Sputnik Light"), "evidence.0.batch", "COVISHIELD"),
        "evidence.0.totalDoses",
        1,
    )
    swapped = edited(swapped, "evidence.0.dose", 2)
    assert same_signed_data(certificate, swapped)
    assert refusal(certificate) == Reason.AMBIGUOUS_VACCINE
    assert refusal(swapped) == Reason.AMBIGUOUS_VACCINE


def test_certificate_id_swapped_with_the_batch_is_refused():
    certificate = signed()
    swapped = edited(
        edited(certificate, "evidence.0.certificateId", "4121Z077"), "evidence.0.batch", "81234567890"
    )
    assert same_signed_data(certificate, swapped)
    assert refusal(swapped) == Reason.CERTIFICATE_ID_UNBOUND


def test_an_unknown_vaccine_is_refused():
    assert refusal(signed(credential(vaccine="Comirnaty"))) == Reason.UNKNOWN_VACCINE


def test_more_doses_than_a_precaution_dose_need_review():
    result = verifier().verify_credential(signed(credential(dose=5)))
    assert result.review_reasons == (ReviewReason.DOSE_UNUSUAL,)


# --- Dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"date": "2021-01-15T10:00:00.000Z", "effectiveStart": "2021-01-15", "effectiveUntil": "2021-01-15",
         "issuanceDate": "2021-01-15T10:05:00.000Z"},
        {"date": "2026-06-20T10:00:00.000Z", "effectiveStart": "2026-06-20", "effectiveUntil": "2026-06-20",
         "issuanceDate": "2026-06-20T10:05:00.000Z"},
        {"date": "2021-06-20T10:00:00.000Z", "effectiveStart": "2021-06-20", "effectiveUntil": "2021-06-20"},
        {"date": "2020-12-02T10:00:00.000Z", "effectiveStart": "2020-12-02", "effectiveUntil": "2020-12-02"},
        {"date": "15/06/2021"},
    ],
    ids=["before-2021-01-16", "in-the-future", "after-its-issuance", "dose-before-the-drive", "not-a-date"],
)  # fmt: skip
def test_implausible_dates_are_refused(changes):
    unsigned = credential(**{k: v for k, v in changes.items() if k != "issuanceDate"})
    if "issuanceDate" in changes:
        unsigned["issuanceDate"] = changes["issuanceDate"]
    assert refusal(signed(unsigned)) == Reason.DATE_IMPLAUSIBLE


# --- Contexts -----------------------------------------------------------------------------------


def test_an_unknown_context_url_is_refused_without_any_network(monkeypatch):
    attempts = block_network(monkeypatch)
    certificate = signed()
    assert (
        refusal(
            edited(
                certificate, "@context", [certificate["@context"][0], "https://example.org/vaccination/v1"]
            )
        )
        == Reason.UNKNOWN_CONTEXT
    )
    assert attempts == []


def test_a_network_context_inside_the_credential_is_refused_without_fetching(monkeypatch):
    attempts = block_network(monkeypatch)
    nested = edited(signed(), "evidence.0.@context", "https://attacker.example/context.jsonld")
    assert refusal(nested) == Reason.NOT_COWIN_FORMAT
    assert attempts == []
