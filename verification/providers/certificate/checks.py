"""Checks beyond the signature: is every field Tika shows signed, and signed in its place?

A valid signature covers the canonical N-Quads, not the JSON. So the fields Tika shows are
read from the JSON and then each is looked for in the signed N-Quads, on the node and with the
predicate it must have (PITFALLS 20): a relative ``credentialSubject.id`` drops the whole
subject, the name included, out of the RDF; a key missing from the context is dropped
silently. Some keys share one predicate (``dose``/``totalDoses``; ``date``/``effectiveStart``
/``effectiveUntil``; ``certificateId``/``batch``/``vaccine``/``manufacturer``), so their values
can be swapped without breaking the signature (PITFALLS 21): the vaccine table, the evidence
node's IRI and plausible dates decide which value is which, or the certificate is refused.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from verification.providers.certificate.contexts import CREDENTIAL_CONTEXTS, parse_nquads
from verification.providers.certificate.errors import CertificateRefused, Reason, ReviewReason
from verification.providers.certificate.vaccines import vaccine_named

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
CRED = "https://www.w3.org/2018/credentials#"
SCHEMA = "https://schema.org/"
VERIFIABLE_CREDENTIAL = CRED + "VerifiableCredential"
PROOF_OF_VACCINATION = SCHEMA + "ProofOfVaccinationCredential"
PERSON = SCHEMA + "Person"
# The vaccination context's "vac" term has no trailing '#' or '/', so JSON-LD 1.1 (jsonld.js
# and pyld alike) does not use it as a prefix: "vac:Vaccination" stays an IRI of scheme "vac".
VACCINATION = "vac:Vaccination"
COWIN_ISSUER = "https://cowin.gov.in/"
EVIDENCE_ID_PREFIX = "https://cowin.gov.in/vaccine/"
#: The first day of India's vaccination drive.
EARLIEST = date(2021, 1, 16)
INDIA = ZoneInfo("Asia/Kolkata")
MAX_DOSE = 20

Term = tuple[str, str, str]  # (kind, value, datatype); kind: "IRI", "blank node" or "literal"
Node = tuple[str, str]  # (kind, value)


def _refuse(reason: Reason, detail: str) -> CertificateRefused:
    return CertificateRefused(reason, detail)


# --- The JSON's shape -----------------------------------------------------------------------


def check_shape(credential: Any) -> None:
    """A CoWIN credential's JSON shape, before any work: refuses what no CoWIN certificate has."""
    if not isinstance(credential, dict):
        raise _refuse(Reason.NOT_COWIN_FORMAT, "the certificate is not a JSON object")
    context = credential.get("@context")
    if not isinstance(context, list) or tuple(context) not in CREDENTIAL_CONTEXTS:
        raise _refuse(Reason.UNKNOWN_CONTEXT, "@context is not one of CoWIN's")
    _no_keywords(credential, top=True)
    subject = credential.get("credentialSubject")
    evidence = credential.get("evidence")
    proof = credential.get("proof")
    if not isinstance(subject, dict) or not isinstance(proof, dict):
        raise _refuse(Reason.NOT_COWIN_FORMAT, "credentialSubject and proof must be objects")
    if not isinstance(evidence, list) or len(evidence) != 1 or not isinstance(evidence[0], dict):
        raise _refuse(Reason.NOT_COWIN_FORMAT, "evidence must hold exactly one vaccination")
    vaccination = evidence[0]
    for key in ("name",):
        if not isinstance(subject.get(key), str) or not subject[key].strip():
            raise _refuse(Reason.NOT_COWIN_FORMAT, f"credentialSubject.{key} is missing")
    for key in ("vaccine", "date", "certificateId"):
        if not isinstance(vaccination.get(key), str) or not vaccination[key].strip():
            raise _refuse(Reason.NOT_COWIN_FORMAT, f"evidence.{key} is missing")
    for key in ("effectiveStart", "effectiveUntil"):
        if key in vaccination and not isinstance(vaccination[key], str):
            raise _refuse(Reason.NOT_COWIN_FORMAT, f"evidence.{key} is not text")
    for key in ("dose", "totalDoses"):
        if _dose_number(vaccination.get(key)) is None:
            raise _refuse(Reason.NOT_COWIN_FORMAT, f"evidence.{key} is not a whole number")
    if not isinstance(credential.get("issuanceDate"), str):
        raise _refuse(Reason.NOT_COWIN_FORMAT, "issuanceDate is missing")


def _no_keywords(value: Any, *, top: bool = False) -> None:
    """No JSON-LD keyword (``@id``, ``@context``, ``@graph``...) below the top-level ``@context``:
    a nested context could remap what a key means."""
    stack = [(value, top)]
    while stack:
        current, is_top = stack.pop()
        if isinstance(current, dict):
            for key, item in current.items():
                if key.startswith("@") and not (is_top and key == "@context"):
                    raise _refuse(Reason.NOT_COWIN_FORMAT, f"JSON-LD keyword {key} is not expected")
                if not (is_top and key == "@context"):
                    stack.append((item, False))
        elif isinstance(current, list):
            stack.extend((item, False) for item in current)


def _dose_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 3:
        return int(value)
    return None


# --- The signed graph -------------------------------------------------------------------------


def literal(value: Any) -> Term:
    """The RDF literal JSON-LD makes of a JSON scalar (strings and integers are enough here)."""
    if isinstance(value, bool):
        return ("literal", "true" if value else "false", XSD + "boolean")
    if isinstance(value, int):
        return ("literal", str(value), XSD + "integer")
    return ("literal", str(value), XSD + "string")


class SignedGraph:
    """The triples of the signed N-Quads, by subject and predicate."""

    def __init__(self, nquads: str) -> None:
        self._edges: dict[Node, dict[str, set[Term]]] = defaultdict(lambda: defaultdict(set))
        for triple in parse_nquads(nquads):
            subject = (triple["subject"]["type"], triple["subject"]["value"])
            obj = triple["object"]
            term: Term = (obj["type"], obj["value"], obj.get("datatype") or "")
            self._edges[subject][triple["predicate"]["value"]].add(term)

    def objects(self, node: Node, predicate: str) -> set[Term]:
        return set(self._edges.get(node, {}).get(predicate, set()))

    def of_type(self, type_iri: str) -> list[Node]:
        wanted = ("IRI", type_iri, "")
        return [node for node, edges in self._edges.items() if wanted in edges.get(RDF_TYPE, set())]

    def only_node(self, node: Node, predicate: str, what: str) -> Node:
        targets = [term for term in self.objects(node, predicate) if term[0] in ("IRI", "blank node")]
        if len(targets) != 1:
            raise _refuse(Reason.UNSIGNED_FIELD, f"{what} is not in the signed data")
        return (targets[0][0], targets[0][1])


# --- Dates ------------------------------------------------------------------------------------


def _day(value: str) -> date | None:
    """The calendar day a CoWIN date field names (as written: ``2021-05-04`` or ISO 8601 with
    a time), or None if it is not a date."""
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _moment(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SignedFields:
    name: str
    dose: int
    total_doses: int
    vaccine: str
    date: date
    certificate_id: str
    issued_at: datetime
    review_reasons: tuple[ReviewReason, ...]


def signed_fields(credential: dict[str, Any], document_nquads: str, *, now: datetime) -> SignedFields:
    """The fields Tika shows, each found in the signed N-Quads and checked for plausibility.

    ``credential`` passed ``check_shape`` and its signature verified over ``document_nquads``.
    Raises ``CertificateRefused``.
    """
    graph = SignedGraph(document_nquads)
    subject_json = credential["credentialSubject"]
    vaccination = credential["evidence"][0]

    credentials = [node for node in graph.of_type(VERIFIABLE_CREDENTIAL)]
    if len(credentials) != 1:
        raise _refuse(Reason.NOT_COWIN_FORMAT, "the signed data holds no single credential")
    credential_node = credentials[0]
    if ("IRI", PROOF_OF_VACCINATION, "") not in graph.objects(credential_node, RDF_TYPE):
        raise _refuse(Reason.NOT_COWIN_FORMAT, "not a ProofOfVaccinationCredential")
    if graph.objects(credential_node, CRED + "issuer") != {("IRI", COWIN_ISSUER, "")}:
        raise _refuse(Reason.WRONG_ISSUER, "issuer is not https://cowin.gov.in/")
    issued = [t for t in graph.objects(credential_node, CRED + "issuanceDate") if t[0] == "literal"]
    issued_at = _moment(issued[0][1]) if len(issued) == 1 else None
    if issued_at is None:
        raise _refuse(Reason.UNSIGNED_FIELD, "issuanceDate is not in the signed data")

    # The name: on the one subject of the credential, its only schema:name.
    subject = graph.only_node(credential_node, CRED + "credentialSubject", "the certificate's holder")
    name = subject_json["name"]
    if graph.objects(subject, SCHEMA + "name") != {literal(name)}:
        raise _refuse(Reason.UNSIGNED_FIELD, "the holder's name is not in the signed data")

    # The vaccination: the one evidence node, of type vac:Vaccination, at CoWIN's IRI for its id.
    evidence = graph.only_node(credential_node, CRED + "evidence", "the vaccination")
    if ("IRI", VACCINATION, "") not in graph.objects(evidence, RDF_TYPE):
        raise _refuse(Reason.UNSIGNED_FIELD, "the vaccination is not in the signed data")
    certificate_id = vaccination["certificateId"]
    ids = graph.objects(evidence, SCHEMA + "id")
    if evidence != ("IRI", EVIDENCE_ID_PREFIX + certificate_id) or literal(certificate_id) not in ids:
        raise _refuse(Reason.CERTIFICATE_ID_UNBOUND, "certificateId is not bound to the evidence IRI")

    vaccine = vaccine_named(vaccination["vaccine"])
    if literal(vaccination["vaccine"]) not in ids:
        raise _refuse(Reason.UNSIGNED_FIELD, "the vaccine is not in the signed data")
    if vaccine is None:
        raise _refuse(Reason.UNKNOWN_VACCINE, "the vaccine is not in the table of India's vaccines")
    # batch, manufacturer, certificateId and vaccine share schema:id: another vaccine's name
    # among them would let a forger pick which vaccine (and so which schedule) applies.
    others = {vaccine_named(term[1]) for term in ids if term[0] == "literal"} - {None, vaccine}
    if others:
        raise _refuse(Reason.AMBIGUOUS_VACCINE, "two vaccines are named in the signed data")

    dose = _dose_number(vaccination["dose"])
    total = _dose_number(vaccination["totalDoses"])
    if dose is None or total is None:  # pragma: no cover - check_shape refused these
        raise _refuse(Reason.NOT_COWIN_FORMAT, "doses are not whole numbers")
    signed_doses = {literal(vaccination["dose"]), literal(vaccination["totalDoses"])}
    if graph.objects(evidence, SCHEMA + "doseValue") != signed_doses:
        raise _refuse(Reason.UNSIGNED_FIELD, "the doses are not in the signed data")
    # dose and totalDoses share schema:doseValue: the schedule says which one is the total.
    if total != vaccine.total_doses or not 1 <= dose <= MAX_DOSE:
        raise _refuse(Reason.DOSE_SCHEDULE_MISMATCH, "totalDoses is not the vaccine's schedule")
    reviews: list[ReviewReason] = []
    if dose > total + 1:
        reviews.append(ReviewReason.DOSE_UNUSUAL)

    dates = graph.objects(evidence, SCHEMA + "date")
    written = [vaccination["date"]]
    written += [vaccination[k] for k in ("effectiveStart", "effectiveUntil") if k in vaccination]
    if any(literal(value) not in dates for value in written):
        raise _refuse(Reason.UNSIGNED_FIELD, "a vaccination date is not in the signed data")
    today = now.astimezone(INDIA).date()
    latest_issue_day = issued_at.astimezone(INDIA).date() + timedelta(days=1)
    if not EARLIEST <= issued_at.astimezone(INDIA).date() <= today + timedelta(days=1):
        raise _refuse(Reason.DATE_IMPLAUSIBLE, "issuanceDate is before the drive or in the future")

    def possible(day: date | None) -> bool:
        return day is not None and EARLIEST <= day <= min(today, latest_issue_day)

    last_dose = _day(vaccination["date"])
    if last_dose is None or not possible(last_dose):
        raise _refuse(Reason.DATE_IMPLAUSIBLE, "the vaccination date is impossible")
    # date, effectiveStart and effectiveUntil share schema:date: if another signed date could
    # equally be the day of the dose, the signature cannot tell which one it is.
    if any(possible(day) and day != last_dose for day in (_day(t[1]) for t in dates if t[0] == "literal")):
        reviews.append(ReviewReason.DATE_AMBIGUOUS)

    return SignedFields(
        name=name,
        dose=dose,
        total_doses=total,
        vaccine=vaccine.name,
        date=last_dose,
        certificate_id=certificate_id,
        issued_at=issued_at,
        review_reasons=tuple(reviews),
    )
