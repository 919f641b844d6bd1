"""The keys a certificate may be signed with: CoWIN's pinned production key built in, and the
DIVOC demo key recognised by its fingerprint and never trusted."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from verification.providers.certificate.tests.certificates import DATA
from verification.providers.certificate.trust import (
    NEVER_TRUSTED_KEY_IDS,
    TrustedKey,
    TrustStore,
    key_id_of,
    trusted_key,
)


def test_the_built_in_cowin_key_is_the_pinned_production_key():
    from verification.providers.certificate.trust import COWIN_PRODUCTION_KEY_ID, cowin_production_key

    key = cowin_production_key()
    assert (
        key.key_id
        == COWIN_PRODUCTION_KEY_ID
        == "a7062ae1358b75f996247b780ef60c845fbb27dc39a55f122125241611568422"
    )
    assert key.public_key.key_size == 2048  # type: ignore[union-attr]


DIVOC_DEMO_PEM = (DATA / "divoc-demo-public.pem").read_bytes()


def test_the_divoc_demo_key_is_recognised_by_its_fingerprint():
    demo = serialization.load_pem_public_key(DIVOC_DEMO_PEM)
    assert key_id_of(demo) in NEVER_TRUSTED_KEY_IDS  # type: ignore[arg-type]


def test_the_divoc_demo_key_can_never_be_configured_as_trusted():
    from verification.providers.certificate import CertificateConfigError
    from verification.providers.certificate.trust import keys_from_pem

    demo = serialization.load_pem_public_key(DIVOC_DEMO_PEM)
    with pytest.raises(CertificateConfigError, match="demo key"):
        trusted_key(demo, label="x")
    with pytest.raises(CertificateConfigError, match="demo key"):
        keys_from_pem(DIVOC_DEMO_PEM, label="CERTIFICATE_ISSUER_KEYS")
    smuggled = TrustedKey(key_id=key_id_of(demo), label="smuggled", public_key=demo)  # type: ignore[arg-type]
    with pytest.raises(CertificateConfigError, match="demo key"):
        TrustStore([smuggled])
