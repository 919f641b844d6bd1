"""Certificates the tests sign themselves, with keys they generate, through the verifier's own
canonicalisation (``proof.sign_credential``). Nothing here reads /work/shared or the network."""

from __future__ import annotations

import copy
import io
import socket
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from verification.providers.certificate import CertificateVerifier, Limits
from verification.providers.certificate.contexts import COWIN_V1, CREDENTIALS_V1
from verification.providers.certificate.proof import sign_credential
from verification.providers.certificate.trust import TrustStore, trusted_key

DATA = Path(__file__).resolve().parent / "data"
NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
ISSUER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ED25519_KEY = ed25519.Ed25519PrivateKey.generate()
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def credential(**evidence: Any) -> dict[str, Any]:
    """An unsigned CoWIN-shaped credential: COVISHIELD, dose 1 of 2 on 2021-06-15; ``evidence``
    replaces fields of the vaccination (``None`` removes one)."""
    vaccination: dict[str, Any] = {
        "id": "https://cowin.gov.in/vaccine/81234567890",
        "feedbackUrl": "https://cowin.gov.in/?81234567890",
        "infoUrl": "https://cowin.gov.in/?81234567890",
        "certificateId": "81234567890",
        "type": ["Vaccination"],
        "batch": "4121Z077",
        "vaccine": "COVISHIELD",
        "manufacturer": "Serum Institute of India",
        "date": "2021-06-15T04:55:00.000Z",
        "effectiveStart": "2021-06-15",
        "effectiveUntil": "2021-06-15",
        "dose": 1,
        "totalDoses": 2,
        "verifier": {"name": "Test Vaccinator"},
        "facility": {"name": "Test Centre", "address": {"district": "Pune", "addressCountry": "IN"}},
    }
    for key, value in evidence.items():
        if value is None:
            vaccination.pop(key, None)
        else:
            vaccination[key] = value
    return {
        "@context": [CREDENTIALS_V1, COWIN_V1],
        "type": ["VerifiableCredential", "ProofOfVaccinationCredential"],
        "credentialSubject": {
            "type": "Person",
            "id": "did:Aadhaar Card:XXXXXXXX4321",
            "refId": "12345678901234",
            "name": "Meena Rao",
            "gender": "Female",
            "age": "38",
            "nationality": "Indian",
            "address": {
                "district": "Pune",
                "addressRegion": "Maharashtra",
                "addressCountry": "IN",
                "postalCode": 411001,
            },
        },
        "issuer": "https://cowin.gov.in/",
        "issuanceDate": "2021-06-15T05:01:12.000Z",
        "evidence": [vaccination],
        "nonTransferable": "true",
    }


def signed(unsigned: dict[str, Any] | None = None, key: Any = ISSUER_KEY, **proof: Any) -> dict[str, Any]:
    document = unsigned if unsigned is not None else credential()
    return sign_credential(document, key, created=datetime(2021, 6, 15, 5, 1, 12, tzinfo=UTC), **proof)


def edited(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``document`` with the value at ``a.b.0.c`` replaced (``None`` removes it)."""
    result = copy.deepcopy(document)
    *parents, last = path.split(".")
    node: Any = result
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return result


def verifier(*private_keys: Any, limits: Limits | None = None, **options: Any) -> CertificateVerifier:
    keys = [
        trusted_key(k.public_key(), label=f"test key {n}") for n, k in enumerate(private_keys or [ISSUER_KEY])
    ]
    return CertificateVerifier(keys=TrustStore(keys), limits=limits, clock=lambda: NOW, **options)


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def public_pem(private_key: Any) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def block_network(monkeypatch: Any) -> list[object]:
    """Make every outgoing connection fail the test; returns the addresses tried."""
    attempts: list[object] = []

    def refuse(self: object, address: object, *args: object, **kwargs: object) -> None:
        attempts.append(address)
        raise AssertionError(f"network access attempted: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts
