"""The sandbox's signing key (ES256) and the JWKS that publishes its public half.

The key is derived from SECRET_KEY, so every web process signs with the same key and
evidence stored yesterday still verifies today, without a key file to manage.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from jwt.algorithms import ECAlgorithm

from verification.providers.signing import key_id_of

_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@lru_cache(maxsize=4)
def _key_for(secret: str) -> ec.EllipticCurvePrivateKey:
    seed = hashlib.sha256(b"tika/kycvs-sandbox/signing-key/v1:" + secret.encode()).digest()
    scalar = int.from_bytes(seed, "big") % (_P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def signing_key() -> ec.EllipticCurvePrivateKey:
    return _key_for(settings.SECRET_KEY)


def key_id() -> str:
    return key_id_of(signing_key().public_key())


def jwks() -> dict[str, Any]:
    jwk = ECAlgorithm.to_jwk(signing_key().public_key(), as_dict=True)
    return {"keys": [{**jwk, "kid": key_id(), "use": "sig", "alg": "ES256"}]}
