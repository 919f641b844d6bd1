"""Reading certificates from uploads: both QR encodings, PDF, photos; and every limit (bombs)."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib

import pytest
from PIL import Image, ImageFilter

from verification.providers.certificate import CertificateUnreadable, Limits, Reason
from verification.providers.certificate.decode import certificate_json, from_qr_payload, parse_json, undo_utf8
from verification.providers.certificate.tests.certificates import signed, verifier, zip_of
from verification.providers.sandbox import certificates as sandbox

CERTIFICATE = signed()
CERTIFICATE_JSON = sandbox.certificate_json(CERTIFICATE)
LAYOUT = sandbox.DEMO_CERTIFICATES[3]  # texts of the page; the QR holds CERTIFICATE
LIMITS = Limits()


def unreadable(data: bytes, limits: Limits = LIMITS) -> Reason:
    with pytest.raises(CertificateUnreadable) as caught:
        certificate_json(data, limits)
    return caught.value.reason


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("encoding", sandbox.ENCODINGS)
def test_both_qr_encodings_give_the_same_certificate(encoding):
    payload = sandbox.qr_payload(CERTIFICATE, encoding)
    assert payload.startswith(b"PK")
    if encoding == "utf8":
        assert len(payload) > len(sandbox.qr_payload(CERTIFICATE, "zip"))  # bytes >= 0x80 doubled
    assert certificate_json(payload, LIMITS) == CERTIFICATE_JSON  # raw QR bytes
    assert certificate_json(sandbox.png(LAYOUT, CERTIFICATE, encoding), LIMITS) == CERTIFICATE_JSON
    assert certificate_json(sandbox.pdf(LAYOUT, CERTIFICATE, encoding), LIMITS) == CERTIFICATE_JSON
    assert verifier().verify_upload(sandbox.pdf(LAYOUT, CERTIFICATE, encoding)).name == "Meena Rao"


def test_a_certificate_json_is_read_as_it_is():
    assert certificate_json(CERTIFICATE_JSON, LIMITS) == CERTIFICATE_JSON
    assert verifier().verify_upload(b"\xef\xbb\xbf" + CERTIFICATE_JSON).certificate_id == "81234567890"


def test_undo_utf8():
    assert undo_utf8("PK\x03\x04\xe9\xff".encode()) == b"PK\x03\x04\xe9\xff"
    assert undo_utf8(b"PK\x03\x04 plain ascii") is None  # nothing to undo
    assert undo_utf8(b"PK\xff\xfe") is None  # not UTF-8
    assert undo_utf8("PK\u20ac".encode()) is None  # a code point above 0xFF: not that encoding


def photo_of(page: Image.Image) -> bytes:
    """A phone photo of a printed page: tilted, in perspective, blurred, downscaled, JPEG 30."""
    image = page.convert("RGB").rotate(
        9, expand=True, fillcolor=(235, 235, 230), resample=Image.Resampling.BICUBIC
    )
    w, h = image.size
    # Perspective: the top edge a little narrower than the bottom, as seen from below.
    image = image.transform(
        (w, h), Image.Transform.QUAD, (int(w * 0.04), 0, 0, h, w, h, int(w * 0.96), 0),
        resample=Image.Resampling.BICUBIC, fillcolor=(235, 235, 230),
    )  # fmt: skip
    image = image.filter(ImageFilter.GaussianBlur(1.2)).resize(
        (int(w * 0.7), int(h * 0.7)), Image.Resampling.LANCZOS
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=30)
    return buffer.getvalue()


@pytest.mark.parametrize("encoding", sandbox.ENCODINGS)
def test_a_rotated_blurred_downscaled_jpeg_photo_is_read(encoding):
    photo = photo_of(sandbox.page_image(LAYOUT, CERTIFICATE, encoding))
    assert photo.startswith(b"\xff\xd8\xff") and len(photo) < 600_000
    assert verifier().verify_upload(photo).certificate_id == "81234567890"


def test_a_qr_code_without_a_zip_is_not_a_certificate():
    image = sandbox.qr_image(b"https://example.org/not-a-certificate", module_px=6)
    assert unreadable(png_bytes(image)) == Reason.NOT_A_CERTIFICATE
    assert unreadable(b"PK\x03\x04 not really a zip at all") == Reason.NOT_A_CERTIFICATE


def test_a_zip_without_certificate_json():
    assert unreadable(zip_of({"other.json": CERTIFICATE_JSON})) == Reason.NO_CERTIFICATE_JSON


def test_an_image_without_a_qr_code():
    assert unreadable(png_bytes(Image.new("L", (400, 300), 255))) == Reason.NO_QR_CODE


def test_files_that_are_no_image_pdf_or_zip():
    assert unreadable(b"") == Reason.UNSUPPORTED_FILE
    assert unreadable(b"\x89PNG\r\n\x1a\n truncated") == Reason.UNSUPPORTED_FILE
    assert unreadable(b"%PDF-1.7 broken") == Reason.UNSUPPORTED_FILE
    assert unreadable(b"GIF89a....") == Reason.NOT_A_CERTIFICATE


# --- Limits: checked before the work they bound ------------------------------------------------


def test_an_upload_over_the_size_limit_is_refused_unread():
    assert unreadable(b"%PDF-" + b"0" * 100, Limits(max_upload_bytes=64)) == Reason.FILE_TOO_LARGE


def test_a_zip_bomb_is_refused():
    bomb = zip_of({"certificate.json": b"{" + b" " * 50_000_000 + b"}"})
    assert len(bomb) < 100_000
    assert unreadable(bomb) == Reason.ARCHIVE_TOO_LARGE


def test_a_zip_whose_header_understates_the_size_is_not_read_past_the_limit():
    content = b'{"a": "' + b"x" * 200_000 + b'"}'
    archive = bytearray(zip_of({"certificate.json": content}))
    real = struct.pack("<I", len(content))
    assert archive.count(real) == 2  # local header and central directory
    lying = bytes(archive).replace(real, struct.pack("<I", 100))
    assert unreadable(lying) in (Reason.ARCHIVE_TOO_LARGE, Reason.NOT_A_CERTIFICATE)


def test_a_zip_with_many_entries_is_refused():
    many = zip_of({f"f{n}.json": b"{}" for n in range(50)} | {"certificate.json": CERTIFICATE_JSON})
    assert unreadable(many) == Reason.ARCHIVE_TOO_LARGE


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels but holds almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(8000, 8000), (30000, 30000)], ids=["over-the-limit", "decompression-bomb"])
def test_an_image_with_huge_pixel_counts_is_refused_before_decoding(size):
    assert unreadable(_png_header_only(*size)) == Reason.IMAGE_TOO_LARGE


def test_a_pdf_with_many_pages_is_refused():
    pages = [Image.new("L", (100, 100), 255) for _ in range(6)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:])
    assert unreadable(buffer.getvalue()) == Reason.TOO_MANY_PAGES


def test_a_pdf_page_whose_images_hold_too_many_pixels_is_refused_before_rendering():
    # A blank 1-bit image of 48 megapixels: a few kilobytes in the PDF, ~200 MB once rendered.
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000), 1).save(buffer, "PDF", resolution=600)
    assert len(buffer.getvalue()) < 200_000
    assert unreadable(buffer.getvalue()) == Reason.IMAGE_TOO_LARGE


def test_deep_json_is_refused():
    nested: object = 1
    for _ in range(20):
        nested = [nested]
    deep = json.dumps({"a": nested}).encode()
    assert _json_reason(deep) == Reason.JSON_TOO_LARGE
    assert _json_reason(b"[" * 100_000) in (Reason.JSON_TOO_LARGE, Reason.JSON_INVALID)
    assert (
        _json_reason(b"[" * 60_000 + b"]" * 60_000, Limits(max_json_bytes=200_000)) == Reason.JSON_TOO_LARGE
    )


def test_huge_json_is_refused():
    huge = json.dumps({"padding": "x" * 70_000}).encode()
    assert _json_reason(huge) == Reason.JSON_TOO_LARGE
    assert unreadable(zip_of({"certificate.json": huge})) == Reason.ARCHIVE_TOO_LARGE


def test_json_with_duplicate_keys_or_nan_is_refused():
    assert _json_reason(b'{"name": "A", "name": "B"}') == Reason.JSON_INVALID
    assert _json_reason(b'{"dose": NaN}') == Reason.JSON_INVALID
    assert _json_reason(b"[1, 2]") == Reason.JSON_INVALID


def _json_reason(raw: bytes, limits: Limits = LIMITS) -> Reason:
    with pytest.raises(CertificateUnreadable) as caught:
        parse_json(from_qr_payload(raw, limits) if raw.startswith(b"{") else raw, limits)
    return caught.value.reason


def test_a_zip_holding_a_certificate_read_from_qr_bytes():
    archive = zipfile.ZipFile(io.BytesIO(sandbox.zip_payload(CERTIFICATE)))
    assert archive.namelist() == ["certificate.json"]
    assert archive.getinfo("certificate.json").compress_type == zipfile.ZIP_DEFLATED
