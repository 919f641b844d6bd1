"""Which public keys may sign a CoWIN certificate.

* CoWIN's production key for ``did:india`` (RSA-2048) is built in and pinned by the SHA-256
  of its DER SubjectPublicKeyInfo, which is also its ``key_id``.
* ``CERTIFICATE_ISSUER_KEYS`` may name a file of further PEM public keys (RSA of at least
  2048 bits, or Ed25519), e.g. a key CoWIN rotates to.
* The sandbox's key is added by the caller where the sandbox runs, never in production.
* DIVOC's demo key, whose private key is published beside it, is never trusted: a key store
  refuses to hold it, and the verifier refuses a certificate that resolves to it even if some
  other resolver hands it over.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from verification.providers.certificate.contexts import vendored_bytes
from verification.providers.certificate.errors import CertificateConfigError

DID_INDIA = "did:india"
COWIN_PRODUCTION_KEY_ID = "a7062ae1358b75f996247b780ef60c845fbb27dc39a55f122125241611568422"
#: DIVOC's demo key (egovernments/DIVOC verification-app/src/config.js): its private key is public.
NEVER_TRUSTED_KEY_IDS = frozenset({"2f975886260f860fb38b3d649b6a7d0658e5c24f28e4eafc3a14ca6d9833afae"})
MIN_RSA_BITS = 2048

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
_PEM_BLOCK = re.compile(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


def key_id_of(public_key: PublicKey) -> str:
    """SHA-256 (hex) of the key's DER SubjectPublicKeyInfo."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


@dataclass(frozen=True)
class TrustedKey:
    key_id: str
    label: str
    public_key: PublicKey

    @property
    def proof_type(self) -> str:
        is_ed25519 = isinstance(self.public_key, ed25519.Ed25519PublicKey)
        return "Ed25519Signature2018" if is_ed25519 else "RsaSignature2018"


def trusted_key(public_key: object, *, label: str) -> TrustedKey:
    """A key fit to be trusted, or ``CertificateConfigError`` saying why it is not."""
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise CertificateConfigError(f"{label}: RSA keys must have at least {MIN_RSA_BITS} bits")
    elif not isinstance(public_key, ed25519.Ed25519PublicKey):
        raise CertificateConfigError(f"{label}: only RSA and Ed25519 public keys can sign certificates")
    key_id = key_id_of(public_key)
    if key_id in NEVER_TRUSTED_KEY_IDS:
        raise CertificateConfigError(
            f"{label}: this is DIVOC's demo key, whose private key is public; it can never be trusted"
        )
    return TrustedKey(key_id=key_id, label=label, public_key=public_key)


def keys_from_pem(data: bytes, *, label: str) -> list[TrustedKey]:
    """Every ``PUBLIC KEY`` block of a PEM file, each checked by ``trusted_key``."""
    blocks = _PEM_BLOCK.findall(data)
    if not blocks:
        raise CertificateConfigError(f"{label}: no '-----BEGIN PUBLIC KEY-----' block found")
    keys = []
    for number, block in enumerate(blocks, start=1):
        try:
            public_key = serialization.load_pem_public_key(block)
        except ValueError as exc:
            raise CertificateConfigError(f"{label}: key {number} is not a valid PEM public key") from exc
        keys.append(trusted_key(public_key, label=f"{label} #{number}"))
    return keys


def cowin_production_key() -> TrustedKey:
    """The built-in CoWIN key, refused unless it is exactly the pinned one."""
    (key,) = keys_from_pem(vendored_bytes("cowin-did-india.pem"), label="CoWIN did:india")
    if key.key_id != COWIN_PRODUCTION_KEY_ID:
        raise CertificateConfigError("the vendored CoWIN key does not match its pinned fingerprint")
    return TrustedKey(key_id=key.key_id, label="CoWIN production (did:india)", public_key=key.public_key)


def keys_from_file(path: str | Path) -> list[TrustedKey]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CertificateConfigError(f"CERTIFICATE_ISSUER_KEYS: cannot read {path}: {exc.strerror}") from exc
    return keys_from_pem(data, label="CERTIFICATE_ISSUER_KEYS")


class KeyResolver(Protocol):
    def keys_for(self, verification_method: str) -> Sequence[TrustedKey]:
        """The keys that may have made a proof naming ``verification_method``."""
        ...


class TrustStore:
    """The trusted keys of ``did:india`` (CoWIN's only verification method)."""

    def __init__(self, keys: Iterable[TrustedKey]) -> None:
        unique: dict[str, TrustedKey] = {}
        for key in keys:
            if key.key_id in NEVER_TRUSTED_KEY_IDS:
                raise CertificateConfigError(f"{key.label}: DIVOC's demo key can never be trusted")
            unique.setdefault(key.key_id, key)
        self._keys = tuple(unique.values())

    @property
    def keys(self) -> tuple[TrustedKey, ...]:
        return self._keys

    def keys_for(self, verification_method: str) -> Sequence[TrustedKey]:
        return self._keys if verification_method == DID_INDIA else ()

    @classmethod
    def configured(cls, *, issuer_keys_file: str = "", extra: Iterable[TrustedKey] = ()) -> TrustStore:
        """CoWIN's production key, the keys of ``issuer_keys_file`` and ``extra``."""
        keys = [cowin_production_key()]
        if issuer_keys_file:
            keys.extend(keys_from_file(issuer_keys_file))
        keys.extend(extra)
        return cls(keys)
