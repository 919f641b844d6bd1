"""Signed status answers: JWS (ES256) signing and verification, with pluggable keys.

The real service's signature format is not public. Tika treats the status answer as a
compact JWS whose claims carry ``vaccination_status``; the key that verifies it is configured
as a PEM public key or a JWKS URL (``KYCVS_VERIFY_KEY``). Another format would be another
``EvidenceVerifier``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from verification.providers.base import VaccinationStatus
from verification.providers.kycvs.protocol import BadSignature, SignedStatus, UpstreamUnavailable

ALGORITHM = "ES256"
REQUIRED_CLAIMS = ["iss", "iat", "vaccination_status"]


class EvidenceVerifier(Protocol):
    def verify(self, evidence: str) -> SignedStatus: ...


def _signed_status(evidence: str, key: Any, key_id: str) -> SignedStatus:
    try:
        claims = jwt.decode(
            evidence,
            key=key,
            algorithms=[ALGORITHM],
            options={"require": REQUIRED_CLAIMS, "verify_aud": False},
        )
        status = VaccinationStatus(int(claims["vaccination_status"]))
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise BadSignature("The status answer's signature or claims do not verify.") from exc
    return SignedStatus(
        status=status,
        evidence=evidence,
        key_id=key_id,
        issued_at=datetime.fromtimestamp(int(claims["iat"]), tz=UTC),
        claims=claims,
    )


def key_id_of(public_key: ec.EllipticCurvePublicKey) -> str:
    """RFC 7638 thumbprint of an EC public key: a stable id for the key."""
    numbers = public_key.public_numbers()
    size = (public_key.curve.key_size + 7) // 8

    def b64(n: int) -> str:
        return base64.urlsafe_b64encode(n.to_bytes(size, "big")).rstrip(b"=").decode()

    canonical = json.dumps(
        {"crv": "P-256", "kty": "EC", "x": b64(numbers.x), "y": b64(numbers.y)},
        separators=(",", ":"),
        sort_keys=True,
    )
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


class PemVerifier:
    """Verifies with one public key given as PEM."""

    def __init__(self, pem: str) -> None:
        key = serialization.load_pem_public_key(pem.encode())
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise ValueError("KYCVS_VERIFY_KEY must be an EC (P-256) public key for ES256.")
        self._key = key
        self._kid = key_id_of(key)

    def verify(self, evidence: str) -> SignedStatus:
        return _signed_status(evidence, self._key, self._kid)


class JwksVerifier:
    """Verifies with the keys published at a JWKS URL, fetched with the given HTTP client.

    Keys are cached; an unknown key id makes one refetch (key rotation), at most once a minute.
    """

    REFRESH_EVERY_S = 3600
    MIN_REFETCH_S = 60

    def __init__(self, url: str, http: httpx.Client) -> None:
        self._url = url
        self._http = http
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def _fetch(self) -> None:
        try:
            response = self._http.get(self._url)
            response.raise_for_status()
            jwks = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            raise UpstreamUnavailable("Could not fetch the provider's verification keys.") from exc
        self._keys = {k.key_id: k.key for k in jwks.keys if k.key_id}
        self._fetched_at = time.monotonic()

    def _key(self, kid: str) -> Any:
        with self._lock:
            age = time.monotonic() - self._fetched_at
            if (
                not self._keys
                or age > self.REFRESH_EVERY_S
                or (kid not in self._keys and age > self.MIN_REFETCH_S)
            ):
                self._fetch()
            try:
                return self._keys[kid]
            except KeyError:
                raise BadSignature("The status answer is signed with an unknown key.") from None

    def verify(self, evidence: str) -> SignedStatus:
        try:
            kid = jwt.get_unverified_header(evidence).get("kid", "")
        except jwt.PyJWTError as exc:
            raise BadSignature("The status answer is not a well-formed JWS.") from exc
        return _signed_status(evidence, self._key(str(kid)), str(kid))


def verifier_for(setting: str, http: httpx.Client) -> EvidenceVerifier:
    """A verifier for ``KYCVS_VERIFY_KEY``: a JWKS URL or a PEM public key."""
    value = setting.strip()
    if value.startswith(("https://", "http://")):
        return JwksVerifier(value, http)
    return PemVerifier(value)
