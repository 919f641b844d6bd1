"""JSON-LD contexts from vendored copies, and canonicalisation as CoWIN's signer did it.

The document loader never touches the network: it serves the five vendored contexts (each
checked against its pinned SHA-256 when first read) and refuses every other URL, because an
attacker chooses which URLs a credential names (PITFALLS 22).

``canonize`` produces the URDNA2015 N-Quads that jsonld.js 2.0.2 (CoWIN's signer) produces,
with pyld 3.x and two corrections (PITFALLS 19):

* relative ``@id``s stay relative (``base=None``): pyld would otherwise resolve them against
  ``http://example.org/base/``, while jsonld.js drops a relative subject from the RDF;
* an IRI is absolute when it matches jsonld.js's ``^([A-Za-z][A-Za-z0-9+-.]*|_):``. pyld also
  requires no whitespace after the colon, and so drops ids such as ``did:Voter ID:...`` that
  CoWIN writes. pyld reads the rule from its module-level ``_is_absolute_iri``; it is swapped
  for jsonld.js's rule only while ``canonize`` runs, under a lock, and restored afterwards.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from functools import cache
from importlib import resources
from typing import Any

import pyld.jsonld as pyld_jsonld
from cachetools import LRUCache
from pyld import ContextResolver, jsonld

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
COWIN_V1 = "https://cowin.gov.in/credentials/vaccination/v1"
COWIN_V2 = "https://cowin.gov.in/credentials/vaccination/v2"
SECURITY_V1 = "https://w3id.org/security/v1"
SECURITY_V2 = "https://w3id.org/security/v2"

#: url -> (vendored file, its SHA-256). See data/PROVENANCE.md.
VENDORED: dict[str, tuple[str, str]] = {
    CREDENTIALS_V1: (
        "credentials-v1.json",
        "8524322c2d539564f48540d263faa528a216d3de94f2bcb350a493ca720345f6",
    ),
    COWIN_V1: (
        "cowin-vaccination-v1.json",
        "3826f195e26fa1506b96255effea3a7bfa0096123085bcae952ec4795159d87a",
    ),
    COWIN_V2: (
        "cowin-vaccination-v2.json",
        "523d391a8fd02b1c178baa2f10b2bbfe199f7cbb8f999c1d99acee1b9596b1d8",
    ),
    SECURITY_V1: (
        "security-v1.json",
        "abaf97e107d1925503c433dcaf3ffd2831697cacc1ed2a293e1bc8030d5bcb47",
    ),
    SECURITY_V2: (
        "security-v2.json",
        "611bd81151d5efe53ec9aed78f5a813e577287bc9451ee26d6879b1b8b46bc3b",
    ),
}

#: The ``@context`` a CoWIN certificate may carry, exactly.
CREDENTIAL_CONTEXTS = ((CREDENTIALS_V1, COWIN_V1), (CREDENTIALS_V1, COWIN_V2))
#: What jsonld-signatures 6 puts on the proof options before canonicalising them.
PROOF_CONTEXT = SECURITY_V2

_JSONLD_JS_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):")


class ContextRefused(Exception):
    """A JSON-LD context that is not vendored was asked for; it is never fetched."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__("refused to load a JSON-LD context that is not vendored")


class CanonicalisationError(Exception):
    """The document cannot be turned into RDF (invalid JSON-LD, a protected term redefined...)."""


def vendored_bytes(filename: str) -> bytes:
    return resources.files("verification.providers.certificate").joinpath("data", filename).read_bytes()


@cache
def _context_document(url: str) -> Any:
    filename, sha256 = VENDORED[url]
    raw = vendored_bytes(filename)
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise RuntimeError(f"vendored context {filename} does not match its pinned SHA-256")
    return json.loads(raw)


def load_context(url: str, options: Any = None) -> dict[str, Any]:
    """pyld document loader: a vendored context, or ``ContextRefused``. Never the network."""
    if not isinstance(url, str) or url not in VENDORED:
        raise ContextRefused(str(url))
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": _context_document(url),
        "contentType": "application/ld+json",
    }


def _is_absolute_iri_like_jsonld_js(value: object) -> bool:
    return isinstance(value, str) and _JSONLD_JS_ABSOLUTE_IRI.match(value) is not None


_lock = threading.Lock()
# Contexts resolved from the vendored documents only; kept apart from pyld's shared cache.
_resolved_contexts: LRUCache[Any, Any] = LRUCache(maxsize=64)

if not hasattr(pyld_jsonld, "_is_absolute_iri"):  # pragma: no cover - guards a pyld upgrade
    raise ImportError("pyld no longer has jsonld._is_absolute_iri; re-check contexts.canonize")


def canonize(document: dict[str, Any]) -> str:
    """URDNA2015 N-Quads of ``document``, byte for byte as jsonld.js 2.0.2 makes them.

    Raises ``ContextRefused`` for a context that is not vendored, ``CanonicalisationError``
    for anything else pyld refuses.
    """
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": load_context,
        "contextResolver": ContextResolver(_resolved_contexts, load_context),
        "base": None,
    }
    with _lock:
        original = pyld_jsonld._is_absolute_iri
        pyld_jsonld._is_absolute_iri = _is_absolute_iri_like_jsonld_js
        try:
            nquads = jsonld.normalize(document, options)
        except jsonld.JsonLdError as exc:
            refused = _refused_context(exc)
            if refused is not None:
                raise refused from exc
            raise CanonicalisationError(str(exc.type if hasattr(exc, "type") else exc)) from exc
        except RecursionError as exc:
            raise CanonicalisationError("document nested too deeply") from exc
        finally:
            pyld_jsonld._is_absolute_iri = original
    if not isinstance(nquads, str):  # pragma: no cover - format is always given
        raise CanonicalisationError("pyld returned no N-Quads")
    return nquads


def _refused_context(exc: BaseException) -> ContextRefused | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ContextRefused):
            return current
        seen.add(id(current))
        details = getattr(current, "details", None)
        if isinstance(details, dict):
            for value in details.values():
                if isinstance(value, ContextRefused):
                    return value
        current = current.__cause__ or current.__context__
    return None


def parse_nquads(nquads: str) -> list[dict[str, Any]]:
    """The triples of canonical N-Quads (default graph only), as pyld's parser reads them."""
    dataset = jsonld.JsonLdProcessor.parse_nquads(nquads)
    if set(dataset) - {"@default"}:
        raise CanonicalisationError("named graphs are not expected in a certificate")
    triples: list[dict[str, Any]] = dataset.get("@default", [])
    if len(triples) != nquads.count("\n"):
        raise CanonicalisationError("the N-Quads do not parse back line for line")
    return triples
