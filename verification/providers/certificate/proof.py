"""The detached-JWS Linked Data proofs of DIVOC certificates, as jsonld-signatures 6 makes them.

* document = the credential without ``proof``; options = the proof without ``jws``, plus
  ``"@context": "https://w3id.org/security/v2"``; both canonicalised (URDNA2015 N-Quads);
* signed bytes = ASCII(header_b64) + "." + sha256(options N-Quads) + sha256(document N-Quads);
* ``RsaSignature2018``: header ``{"alg":"PS256","b64":false,"crit":["b64"]}``, RSA-PSS with
  SHA-256, MGF1-SHA-256 and a 32-byte salt; ``Ed25519Signature2018``: the same with
  ``"alg":"EdDSA"`` and an Ed25519 signature;
* ``jws`` = header_b64 + ".." + base64url(signature).

``sign_credential`` makes such a proof: the sandbox issues its certificates with it, and the
tests sign theirs, through the same canonicalisation the verifier uses.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from verification.providers.certificate.contexts import PROOF_CONTEXT, canonize
from verification.providers.certificate.trust import DID_INDIA, PublicKey

ALGORITHMS = {"RsaSignature2018": "PS256", "Ed25519Signature2018": "EdDSA"}
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


class MalformedProof(ValueError):
    """The proof is not a detached JWS of the expected form."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text or any(c in text for c in "=+/ \n"):
        raise MalformedProof("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedProof("not base64url") from exc


def header_for(proof_type: str) -> str:
    """header_b64 exactly as jsonld-signatures serialises it (JSON.stringify key order)."""
    header = {"alg": ALGORITHMS[proof_type], "b64": False, "crit": ["b64"]}
    return b64url_encode(json.dumps(header, separators=(",", ":")).encode("ascii"))


@dataclass(frozen=True)
class DetachedJws:
    header_b64: str
    signature: bytes


def parse_jws(jws: object, proof_type: str) -> DetachedJws:
    """``header..signature`` with exactly the header jsonld-signatures writes for the suite."""
    if not isinstance(jws, str) or jws.count(".") != 2:
        raise MalformedProof("jws is not a detached compact JWS")
    header_b64, payload, signature_b64 = jws.split(".")
    if payload:
        raise MalformedProof("jws carries a payload; a detached JWS has none")
    try:
        header = json.loads(b64url_decode(header_b64))
    except ValueError as exc:
        raise MalformedProof("jws header is not JSON") from exc
    expected = {"alg": ALGORITHMS[proof_type], "b64": False, "crit": ["b64"]}
    if header != expected:
        raise MalformedProof("jws header is not the one of the proof's suite")
    return DetachedJws(header_b64=header_b64, signature=b64url_decode(signature_b64))


def split_credential(credential: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], object]:
    """(document, proof options, jws) as jsonld-signatures 6 separates them."""
    document = {k: v for k, v in credential.items() if k != "proof"}
    proof = credential["proof"]
    options = {k: v for k, v in proof.items() if k != "jws"}
    options["@context"] = PROOF_CONTEXT
    return document, options, proof.get("jws")


def signing_input(header_b64: str, options_nquads: str, document_nquads: str) -> bytes:
    return (
        header_b64.encode("ascii")
        + b"."
        + hashlib.sha256(options_nquads.encode("utf-8")).digest()
        + hashlib.sha256(document_nquads.encode("utf-8")).digest()
    )


def signature_matches(public_key: PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, PSS, hashes.SHA256())
        else:
            public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def sign_credential(
    credential: dict[str, Any],
    private_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
    *,
    created: datetime,
    verification_method: str = DID_INDIA,
) -> dict[str, Any]:
    """``credential`` with a DIVOC proof made by ``private_key`` (as CoWIN's signer makes it)."""
    is_ed25519 = isinstance(private_key, ed25519.Ed25519PrivateKey)
    proof_type = "Ed25519Signature2018" if is_ed25519 else "RsaSignature2018"
    proof = {
        "type": proof_type,
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    document = {k: v for k, v in credential.items() if k != "proof"}
    header_b64 = header_for(proof_type)
    data = signing_input(header_b64, canonize({**proof, "@context": PROOF_CONTEXT}), canonize(document))
    if isinstance(private_key, rsa.RSAPrivateKey):
        signature = private_key.sign(data, PSS, hashes.SHA256())
    else:
        signature = private_key.sign(data)
    return {**document, "proof": {**proof, "jws": f"{header_b64}..{b64url_encode(signature)}"}}
