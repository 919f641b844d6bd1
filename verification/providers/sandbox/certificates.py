"""Demo CoWIN vaccination certificates for the sandbox's citizens, signed with the sandbox's key.

They have the JSON shape of CoWIN's (DIVOC) certificates, are signed the way CoWIN's signer
signs (``RsaSignature2018`` over URDNA2015 N-Quads, ``did:india``), and come as the QR
payloads CoWIN produced: the raw ZIP holding ``certificate.json``, or that ZIP re-encoded as
UTF-8 (CoWIN's Node signer). Each page says it is a sandbox certificate; only a verifier that
trusts the sandbox's key (where the sandbox runs) accepts them.

Citizens with no dose have no certificate, as in CoWIN.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import qrcode
import qrcode.util
from PIL import Image, ImageDraw, ImageFont

from verification.providers.certificate.contexts import COWIN_V1, COWIN_V2, CREDENTIALS_V1
from verification.providers.certificate.proof import sign_credential
from verification.providers.sandbox import keys, registry

ENCODINGS = ("zip", "utf8")  # the two QR payloads found in the wild
DPI = 200
A4_PX = (round(8.27 * DPI), round(11.69 * DPI))


@dataclass(frozen=True)
class DemoCertificate:
    mobile: str
    name_on_certificate: str  # may be spelled differently from the registry, as in life
    vaccine: str
    manufacturer: str
    batch: str
    total_doses: int
    last_dose: datetime  # UTC
    certificate_id: str
    gender: str
    age: int
    id_document: str  # CoWIN writes the id type with spaces: did:<type>:<masked number>
    context: str = COWIN_V1

    @property
    def citizen(self) -> registry.Citizen:
        return next(c for c in registry.CITIZENS if c.mobile == self.mobile)

    @property
    def dose(self) -> int:
        return self.citizen.doses

    @property
    def summary(self) -> str:
        dose, total = self.dose, self.total_doses
        if dose > total:
            return f"{self.vaccine}, precaution dose (dose {dose}; schedule of {total})"
        return f"{self.vaccine}, dose {dose} of {total}"


def _utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


DEMO_CERTIFICATES: tuple[DemoCertificate, ...] = (
    DemoCertificate(
        "9000000001", "Ravi Kumar", "COVISHIELD", "Serum Institute of India", "4121Z104", 2,
        _utc(2021, 8, 9, 5, 12, 40), "71534902861", "Male", 42, "did:Aadhaar Card:XXXXXXXX0001",
    ),
    DemoCertificate(
        "9000000002", "Priya Sharma", "COVAXIN", "Bharat Biotech", "EB1577", 2,
        _utc(2022, 4, 18, 6, 40, 5), "71534902862", "Female", 36, "did:PAN Card:XXXXXX002P", COWIN_V2,
    ),
    DemoCertificate(
        "9000000003", "Anjali Gupta", "Sputnik V", "Dr. Reddy's Laboratories", "II-310521", 2,
        _utc(2021, 9, 2, 9, 3, 11), "71534902863", "Female", 29, "did:Voter ID:XXXXXX0003",
    ),
    DemoCertificate(
        "9000000011", "Imran Khan", "COVISHIELD", "Serum Institute of India", "4121Z077", 2,
        _utc(2021, 6, 15, 4, 55, 0), "71534902871", "Male", 51, "did:Aadhaar Card:XXXXXXXX0011",
    ),
    # Registered as "Lakshmi Iyer": the certificate spells the name another way.
    DemoCertificate(
        "9000000012", "Laxmi Iyer", "COVAXIN", "Bharat Biotech", "EB1402", 2,
        _utc(2021, 7, 21, 7, 20, 30), "71534902872", "Female", 47, "did:Driving License:XXXXXXXXXX0012",
    ),
)  # fmt: skip
_BY_MOBILE = {c.mobile: c for c in DEMO_CERTIFICATES}


def demo_certificate(mobile: str) -> DemoCertificate | None:
    return _BY_MOBILE.get(mobile)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def credential(demo: DemoCertificate) -> dict[str, Any]:
    """The unsigned credential, shaped like CoWIN's (key order as CoWIN writes it)."""
    day = demo.last_dose.date().isoformat()
    issued = demo.last_dose + timedelta(minutes=3, seconds=17)
    subject: dict[str, Any] = {
        "type": "Person",
        "id": demo.id_document,
        "refId": f"8{demo.mobile[-4:]}{demo.certificate_id[-9:]}",
        "name": demo.name_on_certificate,
        "gender": demo.gender,
    }
    if demo.context == COWIN_V2:
        subject["dob"] = f"{demo.last_dose.year - demo.age}-01-01"
    else:
        subject["age"] = str(demo.age)
    subject["nationality"] = "Indian"
    subject["address"] = {
        "streetAddress": "",
        "streetAddress2": "",
        "district": "Bengaluru Urban",
        "city": "",
        "addressRegion": "Karnataka",
        "addressCountry": "IN",
        "postalCode": 560001,
    }
    return {
        "@context": [CREDENTIALS_V1, demo.context],
        "type": ["VerifiableCredential", "ProofOfVaccinationCredential"],
        "credentialSubject": subject,
        "issuer": "https://cowin.gov.in/",
        "issuanceDate": _iso(issued),
        "evidence": [
            {
                "id": f"https://cowin.gov.in/vaccine/{demo.certificate_id}",
                "feedbackUrl": f"https://cowin.gov.in/?{demo.certificate_id}",
                "infoUrl": f"https://cowin.gov.in/?{demo.certificate_id}",
                "certificateId": demo.certificate_id,
                "type": ["Vaccination"],
                "batch": demo.batch,
                "vaccine": demo.vaccine,
                "manufacturer": demo.manufacturer,
                "date": _iso(demo.last_dose),
                "effectiveStart": day,
                "effectiveUntil": day,
                "dose": demo.dose,
                "totalDoses": demo.total_doses,
                "verifier": {"name": "Sandbox Vaccinator"},
                "facility": {
                    "name": "Tika Sandbox Health Centre",
                    "address": {
                        "streetAddress": "1 Sandbox Road",
                        "streetAddress2": "",
                        "district": "Bengaluru Urban",
                        "city": "",
                        "addressRegion": "Karnataka",
                        "addressCountry": "IN",
                        "postalCode": "",
                    },
                },
            }
        ],
        "nonTransferable": "true",
    }


def sign(demo: DemoCertificate) -> dict[str, Any]:
    """The credential signed with the sandbox's certificate key (a new RSA-PSS salt each time)."""
    unsigned = credential(demo)
    created = datetime.fromisoformat(unsigned["issuanceDate"].replace("Z", "+00:00")).replace(microsecond=0)
    return sign_credential(unsigned, keys.certificate_signing_key(), created=created)


# --- QR payloads and files ----------------------------------------------------------------


def certificate_json(signed: dict[str, Any]) -> bytes:
    return json.dumps(signed, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def zip_payload(signed: dict[str, Any]) -> bytes:
    """The ZIP CoWIN puts in the QR code: one DEFLATE-compressed ``certificate.json``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entry = zipfile.ZipInfo("certificate.json", date_time=(2021, 1, 16, 0, 0, 0))
        entry.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(entry, certificate_json(signed), compresslevel=9)
    return buffer.getvalue()


def qr_payload(signed: dict[str, Any], encoding: str) -> bytes:
    """``zip``: the ZIP's bytes; ``utf8``: the ZIP as a binary string re-encoded as UTF-8."""
    raw = zip_payload(signed)
    if encoding == "zip":
        return raw
    if encoding == "utf8":
        return raw.decode("latin-1").encode("utf-8")
    raise ValueError(f"unknown QR encoding {encoding!r}")


def qr_image(payload: bytes, *, module_px: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module_px, border=4)
    code.add_data(qrcode.util.QRData(payload, mode=qrcode.util.MODE_8BIT_BYTE), optimize=0)
    code.make(fit=True)
    image: Image.Image = code.make_image(fill_color="black", back_color="white").get_image()
    return image.convert("L")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def page_image(demo: DemoCertificate, signed: dict[str, Any], encoding: str) -> Image.Image:
    """An A4 page laid out like CoWIN's certificate, the QR code at a realistic size (~7 cm)."""
    width, height = A4_PX
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    margin = 110
    draw.rectangle((0, 0, width, 170), fill=(18, 60, 120))
    heading = "Ministry of Health & Family Welfare (Tika sandbox)"
    draw.text((margin, 45), heading, font=_font(44), fill="white")
    draw.text((margin, 105), "SANDBOX - NOT A REAL CERTIFICATE", font=_font(34), fill=(255, 210, 80))
    final = demo.dose >= demo.total_doses
    title = "Final Certificate for COVID-19 Vaccination" if final else "Provisional Certificate for COVID-19"
    draw.text((margin, 240), title, font=_font(58), fill=(18, 60, 120))
    subject = signed["credentialSubject"]
    vaccination = signed["evidence"][0]
    rows = [
        ("Beneficiary Details", None),
        ("Beneficiary Name", subject["name"]),
        ("Age", subject.get("age") or f"born {subject.get('dob', '')[:4]}"),
        ("Gender", subject["gender"]),
        ("ID Verified", subject["id"].removeprefix("did:").replace(":", " ")),
        ("Certificate ID", vaccination["certificateId"]),
        ("Vaccination Details", None),
        ("Vaccine Name", vaccination["vaccine"]),
        ("Date of Dose", f"{demo.last_dose:%d %b %Y} (Dose {demo.dose}/{demo.total_doses})"),
        ("Vaccinated by", vaccination["verifier"]["name"]),
        ("Vaccination at", vaccination["facility"]["name"]),
    ]
    y = 380
    for label, value in rows:
        if value is None:
            y += 30
            draw.text((margin, y), label, font=_font(46), fill=(18, 60, 120))
            y += 80
            continue
        draw.text((margin, y), label, font=_font(34), fill=(90, 90, 90))
        draw.text((margin + 470, y), str(value), font=_font(34), fill="black")
        y += 62
    # About 7 cm of QR code at 200 dpi, 4 pixels a module.
    code = qr_image(qr_payload(signed, encoding), module_px=4)
    left = (width - code.width) // 2
    top = y + 60
    page.paste(code, (left, top))
    draw.text((left, top + code.height + 10), "Scan the QR code to verify", font=_font(34), fill="black")
    return page


def pdf(demo: DemoCertificate, signed: dict[str, Any], encoding: str) -> bytes:
    """An image-only PDF of the certificate page (Pillow writes it, JPEG at high quality)."""
    buffer = io.BytesIO()
    page_image(demo, signed, encoding).save(buffer, "PDF", resolution=DPI, quality=92)
    return buffer.getvalue()


def png(demo: DemoCertificate, signed: dict[str, Any], encoding: str) -> bytes:
    """What a phone screenshot of the certificate's QR code looks like: the QR with a caption."""
    code = qr_image(qr_payload(signed, encoding), module_px=6)
    canvas = Image.new("L", (max(code.width, 1080), code.height + 260), 255)
    draw = ImageDraw.Draw(canvas)
    draw.text((40, 40), f"{demo.name_on_certificate} - {demo.summary}", font=_font(40), fill=0)
    draw.text((40, 100), "CoWIN sandbox certificate (not real)", font=_font(32), fill=90)
    canvas.paste(code, ((canvas.width - code.width) // 2, 200))
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
