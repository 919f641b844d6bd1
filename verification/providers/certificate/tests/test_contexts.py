"""Canonicalisation as CoWIN's signer (jsonld.js 2.0.2) does it, and the vendored contexts.

The expected N-Quads are fixed text derived from jsonld.js 2.0.2's behaviour (and confirmed
against it): its absolute-IRI test is ``^([A-Za-z][A-Za-z0-9+-.]*|_):``, so an id with a space
is an absolute IRI written as is; with a null base a relative ``@id`` stays relative, and a
node with a relative id is not valid RDF, so its triples and the triples pointing at it are
dropped. pyld 3.x out of the box drops the first and resolves the second against
``http://example.org/base/``.
"""

from __future__ import annotations

import hashlib

import pyld.jsonld as pyld_jsonld
import pytest
from pyld import jsonld

from verification.providers.certificate import contexts
from verification.providers.certificate.contexts import COWIN_V1, CREDENTIALS_V1, ContextRefused, canonize
from verification.providers.certificate.tests.certificates import block_network

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

XSD_INTEGER = "<http://www.w3.org/2001/XMLSchema#integer>"

SPACE_IRI_DOCUMENT = {
    "@context": [CREDENTIALS_V1, COWIN_V1],
    "type": ["VerifiableCredential", "ProofOfVaccinationCredential"],
    "credentialSubject": {"type": "Person", "id": "did:Voter ID:AB 12", "name": "Asha Verma"},
    "issuer": "https://cowin.gov.in/",
}


# Checks: the subject keeps its id with the spaces, so the name is signed on that node.
SPACE_IRI_NQUADS = f"""\
<did:Voter ID:AB 12> {RDF_TYPE} <https://schema.org/Person> .
<did:Voter ID:AB 12> <https://schema.org/name> "Asha Verma" .
_:c14n0 {RDF_TYPE} <https://schema.org/ProofOfVaccinationCredential> .
_:c14n0 {RDF_TYPE} <https://www.w3.org/2018/credentials#VerifiableCredential> .
_:c14n0 <https://www.w3.org/2018/credentials#credentialSubject> <did:Voter ID:AB 12> .
_:c14n0 <https://www.w3.org/2018/credentials#issuer> <https://cowin.gov.in/> .
"""


RELATIVE_ID_DOCUMENT = {
    "@context": [CREDENTIALS_V1, COWIN_V1],
    "type": ["VerifiableCredential", "ProofOfVaccinationCredential"],
    "credentialSubject": {"type": "Person", "id": "AB12", "name": "Asha Verma"},
    "issuer": "https://cowin.gov.in/",
    "evidence": [{"id": "https://cowin.gov.in/vaccine/123", "type": ["Vaccination"], "dose": 1}],
}


# Checks: the subject with the relative id, its name and the credentialSubject link are all
# gone; the evidence (absolute id) stays, typed <vac:Vaccination> ("vac" is no prefix in 1.1).
RELATIVE_ID_NQUADS = f"""\
<https://cowin.gov.in/vaccine/123> {RDF_TYPE} <vac:Vaccination> .
<https://cowin.gov.in/vaccine/123> <https://schema.org/doseValue> "1"^^{XSD_INTEGER} .
_:c14n0 {RDF_TYPE} <https://schema.org/ProofOfVaccinationCredential> .
_:c14n0 {RDF_TYPE} <https://www.w3.org/2018/credentials#VerifiableCredential> .
_:c14n0 <https://www.w3.org/2018/credentials#evidence> <https://cowin.gov.in/vaccine/123> .
_:c14n0 <https://www.w3.org/2018/credentials#issuer> <https://cowin.gov.in/> .
"""


def test_an_iri_with_spaces_is_kept_as_jsonld_js_keeps_it():
    assert canonize(SPACE_IRI_DOCUMENT) == SPACE_IRI_NQUADS


def test_a_relative_id_stays_relative_and_drops_out_as_in_jsonld_js():
    assert canonize(RELATIVE_ID_DOCUMENT) == RELATIVE_ID_NQUADS


def test_plain_pyld_differs_on_both_which_is_why_canonize_corrects_it():
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": contexts.load_context,
    }
    assert "Voter ID" not in jsonld.normalize(SPACE_IRI_DOCUMENT, dict(options))
    assert "<http://example.org/base/AB12>" in jsonld.normalize(RELATIVE_ID_DOCUMENT, dict(options))


def test_canonize_leaves_pyld_as_it_found_it():
    before = pyld_jsonld._is_absolute_iri
    canonize(SPACE_IRI_DOCUMENT)
    assert pyld_jsonld._is_absolute_iri is before
    assert not before("did:Voter ID:AB 12")


def test_the_loader_serves_vendored_contexts_and_refuses_every_other_url(monkeypatch):
    attempts = block_network(monkeypatch)
    for url in contexts.VENDORED:
        assert contexts.load_context(url)["documentUrl"] == url
    for url in ("https://example.org/context", "http://www.w3.org/2018/credentials/v1", "file:///etc/passwd"):
        with pytest.raises(ContextRefused):
            contexts.load_context(url)
    document = {**SPACE_IRI_DOCUMENT, "@context": [CREDENTIALS_V1, "https://attacker.example/ctx"]}
    with pytest.raises(ContextRefused):
        canonize(document)
    assert attempts == []


EXPECTED_SHA256 = {  # /work/shared/divoc/README.md, copied here: tests never read /work/shared
    "cowin-did-india.pem": "632849226269e37c9467b84ef56e7607c1769b9ec68fe5ab1e88b6eeb24845b3",
    "credentials-v1.json": "8524322c2d539564f48540d263faa528a216d3de94f2bcb350a493ca720345f6",
    "cowin-vaccination-v1.json": "3826f195e26fa1506b96255effea3a7bfa0096123085bcae952ec4795159d87a",
    "cowin-vaccination-v2.json": "523d391a8fd02b1c178baa2f10b2bbfe199f7cbb8f999c1d99acee1b9596b1d8",
    "security-v1.json": "abaf97e107d1925503c433dcaf3ffd2831697cacc1ed2a293e1bc8030d5bcb47",
    "security-v2.json": "611bd81151d5efe53ec9aed78f5a813e577287bc9451ee26d6879b1b8b46bc3b",
}


def test_vendored_files_match_their_checksums():
    sums: dict[str, str] = {}
    for line in contexts.vendored_bytes("SHA256SUMS").decode().splitlines():
        digest, filename = line.split("  ", 1)
        sums[filename] = digest
    assert sums == EXPECTED_SHA256
    for filename, sha256 in EXPECTED_SHA256.items():
        assert hashlib.sha256(contexts.vendored_bytes(filename)).hexdigest() == sha256, filename
    assert {name: digest for name, digest in contexts.VENDORED.values()} == {
        k: v for k, v in EXPECTED_SHA256.items() if k.endswith(".json")
    }
