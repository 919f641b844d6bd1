"""Printable invitation letters: one A4 page per employee, streamed as a PDF.

The page is drawn with Pillow, as the sandbox draws its demo certificates, with the vendored
Noto Sans fonts (``fonts/``, SIL Open Font License): Latin text in Noto Sans, Devanagari in
Noto Sans Devanagari, shaped by Pillow's Raqm layout (HarfBuzz), so conjuncts and vowel signs
("क्ष", "कि") come out as a Hindi reader expects. Each page is one lossless (Flate) greyscale
image: the QR code stays sharp for any phone camera. The PDF is written page by page, so a
letter for every selected employee needs the memory of one page, whatever their number.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

FONTS = Path(__file__).resolve().parent / "fonts"

#: A4 at 150 dots per inch.
DPI = 150
WIDTH, HEIGHT = 1240, 1754
MARGIN = 110
A4_POINTS = (595.28, 841.89)


@dataclass(frozen=True)
class Block:
    """A paragraph of a letter: its text, size in pixels and weight."""

    text: str
    size: int = 23
    bold: bool = False
    space_after: int = 14


@dataclass(frozen=True)
class LetterPage:
    """What one page shows: the blocks above the QR code, the link, the blocks below."""

    above: tuple[Block, ...]
    link: str
    below: tuple[Block, ...]


def _is_devanagari(ch: str) -> bool:
    return "\u0900" <= ch <= "\u097f" or "\ua8e0" <= ch <= "\ua8ff" or ch in "\u200c\u200d"


def _is_neutral(ch: str) -> bool:
    """Spaces, digits and punctuation: both fonts have them; they follow the text around them."""
    return not ch.isalpha() and not _is_devanagari(ch) and not ("\u0300" <= ch <= "\u036f")


@lru_cache(maxsize=16)
def _font(devanagari: bool, size: int, bold: bool) -> ImageFont.FreeTypeFont:
    name = f"NotoSans{'Devanagari' if devanagari else ''}-{'Bold' if bold else 'Regular'}.ttf"
    return ImageFont.truetype(str(FONTS / name), size, layout_engine=ImageFont.Layout.RAQM)


def runs(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into runs of one script: (is Devanagari, the run). Neutral characters
    (spaces, digits, punctuation) stay in the run they are in."""
    out: list[tuple[bool, str]] = []
    for ch in text:
        script = out[-1][0] if out and _is_neutral(ch) else _is_devanagari(ch)
        if out and out[-1][0] == script:
            out[-1] = (script, out[-1][1] + ch)
        else:
            out.append((script, ch))
    return out


def _width(text: str, size: int, bold: bool) -> float:
    return sum(_font(d, size, bold).getlength(run) for d, run in runs(text))


def _draw(draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str, size: int, bold: bool) -> None:
    for devanagari, run in runs(text):
        font = _font(devanagari, size, bold)
        # On a shared baseline: the two fonts' ascents differ.
        draw.text((x, baseline), run, font=font, fill=0, anchor="ls")
        x += font.getlength(run)


def _wrap(text: str, size: int, bold: bool, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and _width(candidate, size, bold) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def _blocks(draw: ImageDraw.ImageDraw, y: float, blocks: Iterable[Block]) -> float:
    for block in blocks:
        line_height = block.size * 1.75  # room for Devanagari's marks above and below
        for line in _wrap(block.text, block.size, block.bold, WIDTH - 2 * MARGIN):
            y += line_height
            _draw(draw, MARGIN, y - block.size * 0.45, line, block.size, block.bold)
        y += block.space_after
    return y


def qr_image(link: str, *, box_px: int = 8) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_px, border=4)
    code.add_data(link)
    code.make(fit=True)
    image: Image.Image = code.make_image(fill_color="black", back_color="white").get_image()
    return image.convert("L")


def page_image(page: LetterPage) -> Image.Image:
    """One letter as an A4 greyscale image at DPI dots per inch."""
    image = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(image)
    y = _blocks(draw, MARGIN - 40, page.above)
    code = qr_image(page.link)
    left = (WIDTH - code.width) // 2
    image.paste(code, (left, int(y)))
    y += code.height + 8
    link_size = 24
    link_width = _width(page.link, link_size, True)
    _draw(draw, (WIDTH - link_width) / 2, y + link_size, page.link, link_size, True)
    y += link_size * 2 + 10
    draw.line((MARGIN, y, WIDTH - MARGIN, y), fill=170, width=2)
    _blocks(draw, y + 6, page.below)
    return image


def pdf_stream(pages: Iterable[LetterPage]) -> Iterator[bytes]:
    """A PDF of one A4 page per letter, yielded piece by piece (a page at a time)."""
    offsets: dict[int, int] = {}
    position = 0

    def put(number: int, body: bytes, stream: bytes | None = None) -> bytes:
        nonlocal position
        offsets[number] = position
        chunk = f"{number} 0 obj\n".encode() + body
        if stream is not None:
            chunk += b"\nstream\n" + stream + b"\nendstream"
        chunk += b"\nendobj\n"
        position += len(chunk)
        return chunk

    header = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    position = len(header)
    yield header
    yield put(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    kids: list[int] = []
    width_pt, height_pt = A4_POINTS
    for index, page in enumerate(pages):
        image_no, content_no, page_no = 3 + 3 * index, 4 + 3 * index, 5 + 3 * index
        picture = page_image(page)
        data = zlib.compress(picture.tobytes(), 6)
        yield put(
            image_no,
            (
                f"<< /Type /XObject /Subtype /Image /Width {picture.width} /Height {picture.height} "
                f"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length {len(data)} >>"
            ).encode(),
            data,
        )
        content = f"q {width_pt} 0 0 {height_pt} 0 0 cm /Im0 Do Q".encode()
        yield put(content_no, f"<< /Length {len(content)} >>".encode(), content)
        yield put(
            page_no,
            (
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width_pt} {height_pt}] "
                f"/Resources << /XObject << /Im0 {image_no} 0 R >> >> /Contents {content_no} 0 R >>"
            ).encode(),
        )
        kids.append(page_no)
    yield put(
        2, f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    )
    size = max(offsets) + 1
    xref = io.BytesIO()
    xref.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
    for number in range(1, size):
        xref.write(f"{offsets[number]:010d} 00000 n \n".encode())
    xref.write(f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{position}\n%%EOF\n".encode())
    yield xref.getvalue()
