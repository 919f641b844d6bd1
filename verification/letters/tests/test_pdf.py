"""The letter's drawing: both scripts in fonts that have their letters, Devanagari shaped, and
a PDF that any reader opens."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from django.utils import translation
from django_tenants.utils import tenant_context
from PIL import Image, ImageDraw, ImageFont

from verification.letters import pdf
from verification.letters.pdf import Block, LetterPage, page_image, pdf_stream, runs
from verification.letters.services import letter_page
from verification.tests.factories import InvitationFactory


def _ink(font: ImageFont.FreeTypeFont, text: str) -> bytes:
    image = Image.new("L", (600, 120), 255)
    ImageDraw.Draw(image).text((10, 10), text, font=font, fill=0)
    return image.tobytes()


def test_runs_split_by_script_and_keep_neutral_characters():
    assert runs("Acme आपकी स्थिति (1 Dec) जानना") == [
        (False, "Acme "),
        (True, "आपकी स्थिति (1 "),
        (False, "Dec) "),
        (True, "जानना"),
    ]
    assert runs("") == []


def test_conjuncts_and_vowel_signs_are_shaped():
    # With HarfBuzz (Raqm) the vowel sign of "कि" is drawn before the consonant and "क्ष" is
    # one conjunct; a layout without shaping draws the code points in a row.
    path = str(pdf.FONTS / "NotoSansDevanagari-Regular.ttf")
    shaped = ImageFont.truetype(path, 48, layout_engine=ImageFont.Layout.RAQM)
    plain = ImageFont.truetype(path, 48, layout_engine=ImageFont.Layout.BASIC)
    for word in ("कि", "क्ष", "स्थिति"):
        assert _ink(shaped, word) != _ink(plain, word)


@pytest.mark.django_db
def test_every_character_of_the_letter_has_a_glyph(org_a):
    with tenant_context(org_a.get()):
        invitation = InvitationFactory.create()
        page = letter_page(invitation)
    text = " ".join(b.text for b in (*page.above, *page.below)) + page.link
    assert any(pdf._is_devanagari(ch) for ch in text)  # the Hindi half is there
    for devanagari in (False, True):
        font = pdf._font(devanagari, 40, False)
        missing = _ink(font, "\ue000")  # a private-use point: the "no glyph" box
        for ch in {c for d, run in runs(text) if d is devanagari for c in run if not c.isspace()}:
            if ch in "\u093c\u094d\u0902\u0901\u0903\u200c\u200d":
                continue  # combining marks draw nothing alone
            assert _ink(font, ch) != missing, f"no glyph for {ch!r} (U+{ord(ch):04X})"


@pytest.mark.django_db
def test_the_letter_is_in_english_and_hindi(org_a):
    with tenant_context(org_a.get()):
        invitation = InvitationFactory.create()
        with translation.override("en"):
            page = letter_page(invitation)
    english = " ".join(b.text for b in page.above)
    hindi = " ".join(b.text for b in page.below)
    assert "Alpha would like to know whether you are vaccinated" in english
    assert invitation.employee.full_name in english and invitation.employee.full_name in hindi
    assert sum(pdf._is_devanagari(ch) for ch in hindi) > len(hindi) / 3


def test_pages_stream_into_a_pdf_readers_open():
    pages = [
        LetterPage(
            above=(Block("Hello", bold=True),), link=f"http://x.localhost/c/{n}/", below=(Block("नमस्ते"),)
        )
        for n in range(3)
    ]
    chunks = list(pdf_stream(pages))
    assert len(chunks) > 3 * 3  # page by page, not one buffer
    document = pdfium.PdfDocument(b"".join(chunks))
    assert len(document) == 3
    width, height = document[0].get_size()
    assert (round(width), round(height)) == (595, 842)  # A4
    image = page_image(pages[0])
    assert image.size == (pdf.WIDTH, pdf.HEIGHT) and image.mode == "L"
