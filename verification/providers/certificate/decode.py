"""From an upload to the certificate's JSON: PDF, PNG/JPEG image, raw QR bytes or certificate.json.

Every limit is checked before the work it bounds: upload size; image pixels (before decoding
the image); PDF pages and the pixels of each rendered page; ZIP entries and uncompressed size
(declared and actually read, so a lying header does not help a bomb); JSON size and depth.

* PDF pages are opened with pypdfium2: the pixels of a page's images are counted before any is
  decoded, then its moderate embedded images are read, else the page is rendered. QR codes
  are read with zxing-cpp as **bytes** (``.bytes``, never ``.text``, which would transcode the
  ZIP: PITFALLS 18).
* The QR holds a ZIP with ``certificate.json``. CoWIN's Node signer also produced QR codes
  whose ZIP was re-encoded as UTF-8 (every byte >= 0x80 as two bytes): when the bytes are not
  a ZIP, that encoding is undone and the ZIP read again.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import zxingcpp
from PIL import Image, UnidentifiedImageError

from verification.providers.certificate.errors import CertificateUnreadable, Reason

CERTIFICATE_FILE = "certificate.json"
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    OSError,
)
PDF_DPI = 200
# Embedded images up to this size are read at their own resolution before the page is rendered
# (a CoWIN QR image is well under a megapixel; a big scan is left to the capped rendering).
MAX_EMBEDDED_IMAGE_PIXELS = 4_000_000
MAX_PAGE_IMAGES = 64
_QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int = 10 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    max_pdf_pages: int = 4
    max_qr_codes: int = 8  # per image or page
    max_zip_entries: int = 4
    max_unzipped_bytes: int = 64 * 1024
    max_json_bytes: int = 64 * 1024
    max_json_depth: int = 16


def _unreadable(reason: Reason, detail: str) -> CertificateUnreadable:
    return CertificateUnreadable(reason, detail)


# --- What the upload is --------------------------------------------------------------------


def certificate_json(data: bytes, limits: Limits) -> bytes:
    """The bytes of ``certificate.json`` held by ``data`` (a PDF, an image, QR bytes or JSON)."""
    if len(data) > limits.max_upload_bytes:
        raise _unreadable(Reason.FILE_TOO_LARGE, f"{len(data)} bytes")
    if not data:
        raise _unreadable(Reason.UNSUPPORTED_FILE, "empty input")
    head = data[:1024]
    if head.lstrip().startswith(b"%PDF-"):
        return _from_qr_payloads(_pdf_qr_payloads(data, limits), limits)
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        return _from_qr_payloads(_image_qr_payloads(data, limits), limits)
    return from_qr_payload(data, limits)


def _from_qr_payloads(payloads: Iterator[bytes], limits: Limits) -> bytes:
    """The first QR payload that holds a certificate; else the first reason none did."""
    first_error: CertificateUnreadable | None = None
    for payload in payloads:
        try:
            return from_qr_payload(payload, limits)
        except CertificateUnreadable as exc:
            first_error = first_error or exc
    raise first_error or _unreadable(Reason.NO_QR_CODE, "no QR code found")


def from_qr_payload(payload: bytes, limits: Limits) -> bytes:
    """``certificate.json`` from a QR code's bytes: a ZIP, a ZIP re-encoded as UTF-8, or JSON."""
    if payload.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return payload
    if not payload.startswith(b"PK"):
        raise _unreadable(Reason.NOT_A_CERTIFICATE, "the QR code holds neither a ZIP nor JSON")
    try:
        return _unzip(payload, limits)
    except CertificateUnreadable as raw_error:
        undone = undo_utf8(payload)
        if undone is None:
            raise
        try:
            return _unzip(undone, limits)
        except CertificateUnreadable:
            raise raw_error from None


def undo_utf8(payload: bytes) -> bytes | None:
    """The bytes whose UTF-8 encoding (one code point per byte) is ``payload``, if any."""
    try:
        text = payload.decode("utf-8")
        original = text.encode("latin-1")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return None
    return original if original != payload else None


def _unzip(blob: bytes, limits: Limits) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            entries = archive.infolist()
            if len(entries) > limits.max_zip_entries:
                raise _unreadable(Reason.ARCHIVE_TOO_LARGE, f"{len(entries)} entries")
            if sum(entry.file_size for entry in entries) > limits.max_unzipped_bytes:
                raise _unreadable(Reason.ARCHIVE_TOO_LARGE, "declared uncompressed size")
            entry = next((e for e in entries if e.filename == CERTIFICATE_FILE), None)
            if entry is None:
                raise _unreadable(Reason.NO_CERTIFICATE_JSON, "no certificate.json in the ZIP")
            if entry.flag_bits & 0x1:
                raise _unreadable(Reason.NOT_A_CERTIFICATE, "encrypted ZIP entry")
            with archive.open(entry) as member:
                # Read one byte past the limit: a header that understates the size cannot help.
                content = member.read(limits.max_unzipped_bytes + 1)
            if len(content) > limits.max_unzipped_bytes:
                raise _unreadable(Reason.ARCHIVE_TOO_LARGE, "uncompressed size")
            return content
    except CertificateUnreadable:
        raise
    except _ZIP_ERRORS as exc:
        raise _unreadable(Reason.NOT_A_CERTIFICATE, f"not a readable ZIP ({type(exc).__name__})") from exc


# --- Images and PDFs ----------------------------------------------------------------------


def _qr_payloads(image: Image.Image, limits: Limits) -> list[bytes]:
    barcodes = zxingcpp.read_barcodes(image, formats=_QR, try_rotate=True)
    if not barcodes:
        # Photos of screens and prints: a global threshold sometimes reads what the local one misses.
        barcodes = zxingcpp.read_barcodes(image, formats=_QR, binarizer=zxingcpp.Binarizer.GlobalHistogram)
    return [bytes(barcode.bytes) for barcode in barcodes[: limits.max_qr_codes] if barcode.valid]


def _image_qr_payloads(data: bytes, limits: Limits) -> Iterator[bytes]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=("PNG", "JPEG"))
            width, height = image.size
            if width * height > limits.max_image_pixels:
                raise _unreadable(Reason.IMAGE_TOO_LARGE, f"{width}x{height} pixels")
            gray = image.convert("L")  # decodes the image, now known to be of bounded size
        except CertificateUnreadable:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _unreadable(Reason.IMAGE_TOO_LARGE, "decompression bomb") from exc
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
            raise _unreadable(Reason.UNSUPPORTED_FILE, f"not an image ({type(exc).__name__})") from exc
    payloads = _qr_payloads(gray, limits)
    if not payloads:
        raise _unreadable(Reason.NO_QR_CODE, "no QR code in the image")
    yield from payloads


def _pdf_qr_payloads(data: bytes, limits: Limits) -> Iterator[bytes]:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise _unreadable(Reason.UNSUPPORTED_FILE, "not a readable PDF") from exc
    try:
        pages = len(document)
        if pages > limits.max_pdf_pages:
            raise _unreadable(Reason.TOO_MANY_PAGES, f"{pages} pages")
        found = False
        for index in range(pages):
            page = document[index]
            try:
                for payload in _page_qr_payloads(page, limits):
                    found = True
                    yield payload
            finally:
                page.close()
        if not found:
            raise _unreadable(Reason.NO_QR_CODE, "no QR code in the PDF")
    finally:
        document.close()


def _page_qr_payloads(page: pdfium.PdfPage, limits: Limits) -> list[bytes]:
    """QR codes of the page's embedded images of moderate size at their own resolution (CoWIN's
    PDF embeds its QR code as an image), else of the page rendered in grayscale at PDF_DPI (at
    most max_image_pixels)."""
    images = list(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)))
    sizes = [image_object.get_px_size() for image_object in images[: MAX_PAGE_IMAGES + 1]]
    # Rendering decodes every image of the page at full size: bound them before any decoding.
    if len(images) > MAX_PAGE_IMAGES or sum(w * h for w, h in sizes) > limits.max_image_pixels:
        raise _unreadable(Reason.IMAGE_TOO_LARGE, "the page's images hold too many pixels")
    for image_object, (width, height) in zip(images, sizes, strict=True):
        if not 0 < width * height <= MAX_EMBEDDED_IMAGE_PIXELS:
            continue
        try:
            # The image's own pixels: pdfium owns that buffer (it goes with the page), so the
            # bitmap is not closed here (pypdfium2 warns that doing so is unsafe).
            payloads = _bitmap_qr_payloads(image_object.get_bitmap(render=False), limits, owned=False)
        except (pdfium.PdfiumError, ValueError, OSError):
            continue
        if payloads:
            return payloads
    width_pt, height_pt = page.get_size()
    area = max(width_pt * height_pt, 1.0)
    scale = min(PDF_DPI / 72, (limits.max_image_pixels / area) ** 0.5)
    return _bitmap_qr_payloads(page.render(scale=scale, grayscale=True), limits)


def _bitmap_qr_payloads(bitmap: pdfium.PdfBitmap, limits: Limits, *, owned: bool = True) -> list[bytes]:
    try:
        image = bitmap.to_pil()
        return _qr_payloads(image if image.mode == "L" else image.convert("L"), limits)
    finally:
        if owned:  # a page we rendered: free its pixels now, not at garbage collection
            bitmap.close()


# --- JSON -----------------------------------------------------------------------------------


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("duplicate key")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes, limits: Limits) -> dict[str, Any]:
    """``certificate.json`` as an object: bounded in size and depth, no duplicate keys, no NaN."""
    if len(raw) > limits.max_json_bytes:
        raise _unreadable(Reason.JSON_TOO_LARGE, f"{len(raw)} bytes")
    try:
        text = raw.decode("utf-8-sig")
        value = json.loads(text, object_pairs_hook=_object_without_duplicates, parse_constant=_no_constants)
    except RecursionError as exc:
        raise _unreadable(Reason.JSON_TOO_LARGE, "nested too deeply") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise _unreadable(Reason.JSON_INVALID, f"not valid JSON ({type(exc).__name__})") from exc
    if _depth(value) > limits.max_json_depth:
        raise _unreadable(Reason.JSON_TOO_LARGE, "nested too deeply")
    if not isinstance(value, dict):
        raise _unreadable(Reason.JSON_INVALID, "not a JSON object")
    return value


def _depth(value: Any) -> int:
    deepest = 0
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict | list):
            deepest = max(deepest, depth)
            children = current.values() if isinstance(current, dict) else current
            stack.extend((child, depth + 1) for child in children)
    return deepest


def canonical_json(credential: dict[str, Any]) -> bytes:
    """The credential as stored evidence: sorted keys, no spaces, UTF-8 (the signature covers
    the RDF, not the JSON text, so it still verifies)."""
    return json.dumps(credential, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
