"""The sandbox's signing keys: ES256 for status answers (and the JWKS that publishes its public
half), RSA for the demo vaccination certificates.

The keys are derived from SECRET_KEY, so every web process signs with the same keys and
evidence stored yesterday still verifies today, without a key file to manage.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from jwt.algorithms import ECAlgorithm

from verification.providers.kycvs.signing import key_id_of

_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@lru_cache(maxsize=4)
def _key_for(secret: str) -> ec.EllipticCurvePrivateKey:
    seed = hashlib.sha256(b"tika/kycvs-sandbox/signing-key/v1:" + secret.encode()).digest()
    scalar = int.from_bytes(seed, "big") % (_P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def signing_key() -> ec.EllipticCurvePrivateKey:
    return _key_for(settings.SECRET_KEY)


@lru_cache(maxsize=4)
def _key_id_for(secret: str) -> str:
    return key_id_of(_key_for(secret).public_key())


def key_id() -> str:
    return _key_id_for(settings.SECRET_KEY)


def jwks() -> dict[str, Any]:
    jwk = ECAlgorithm.to_jwk(signing_key().public_key(), as_dict=True)
    return {"keys": [{**jwk, "kid": key_id(), "use": "sig", "alg": "ES256"}]}


# --- The sandbox's certificate-signing key (RSA-2048, like CoWIN's did:india key) ---------
#
# Derived from SECRET_KEY like the key above, so every process of one deployment signs its
# demo certificates with the same key. cryptography cannot generate an RSA key from a seed,
# so the primes are drawn from a SHAKE-256 stream of the seed: the first probable primes
# (Miller-Rabin, 64 rounds) of 1024 bits with the top two bits set and p - 1, q - 1 prime to e.
# This key is trusted only where the sandbox runs (CERTIFICATE_TRUST_SANDBOX_KEY).

_SMALL_PRIMES = (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97)
_E = 65537


class _Stream:
    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._counter = 0

    def take(self, size: int) -> bytes:
        self._counter += 1
        return hashlib.shake_256(self._seed + self._counter.to_bytes(8, "big")).digest(size)


def _probably_prime(n: int, stream: _Stream, rounds: int = 64) -> bool:
    if any(n % p == 0 for p in _SMALL_PRIMES):
        return n in _SMALL_PRIMES
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        a = 2 + int.from_bytes(stream.take(n.bit_length() // 8), "big") % (n - 3)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(stream: _Stream, bits: int) -> int:
    while True:
        candidate = int.from_bytes(stream.take(bits // 8), "big") | (0b11 << (bits - 2)) | 1
        if (candidate - 1) % _E and _probably_prime(candidate, stream):
            return candidate


@lru_cache(maxsize=4)
def _certificate_key_for(secret: str) -> rsa.RSAPrivateKey:
    stream = _Stream(hashlib.sha256(b"tika/cowin-sandbox/certificate-key/v1:" + secret.encode()).digest())
    p = _prime(stream, 1024)
    q = _prime(stream, 1024)
    while q == p:  # pragma: no cover - astronomically unlikely
        q = _prime(stream, 1024)
    n = p * q
    d = pow(_E, -1, (p - 1) * (q - 1))
    public = rsa.RSAPublicNumbers(_E, n)
    return rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=public,
    ).private_key()


def certificate_signing_key() -> rsa.RSAPrivateKey:
    """The RSA key the sandbox signs its demo vaccination certificates with."""
    return _certificate_key_for(settings.SECRET_KEY)


def certificate_public_key() -> rsa.RSAPublicKey:
    """The public half of ``certificate_signing_key`` (what verifiers trust where the sandbox
    runs: settings.CERTIFICATE_SANDBOX_KEY names this function)."""
    return certificate_signing_key().public_key()
