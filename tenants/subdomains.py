"""A subdomain suggested from the organization's name, and a free variant of a taken one.

Names in Devanagari (Hindi, Marathi, ...) are transliterated the way people write them in
Latin letters ("टाटा स्टील" -> "tata-steel", "श्री गणेश" -> "shri-ganesh"): consonants carry
their inherent "a" unless a vowel sign or a virama follows, and the inherent "a" at the end of
a word is silent, as Hindi speaks it. Accented Latin letters lose their accents; anything else
that has no Latin spelling is left out, and a name with nothing left suggests nothing.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError

from tenants.selectors import subdomain_is_taken
from tenants.validators import SUBDOMAIN_MAX, SUBDOMAIN_MIN, validate_subdomain

_VOWELS = {
    "अ": "a", "आ": "aa", "इ": "i", "ई": "ee", "उ": "u", "ऊ": "oo", "ऋ": "ri",
    "ए": "e", "ऐ": "ai", "ओ": "o", "औ": "au", "ऑ": "o", "ऍ": "e",
}  # fmt: skip
_SIGNS = {
    "ा": "a", "ि": "i", "ी": "i", "ु": "u", "ू": "u", "ृ": "ri",
    "े": "e", "ै": "ai", "ो": "o", "ौ": "au", "ॉ": "o", "ॅ": "e",
}  # fmt: skip
_CONSONANTS = {
    "क": "k", "ख": "kh", "ग": "g", "घ": "gh", "ङ": "n",
    "च": "ch", "छ": "chh", "ज": "j", "झ": "jh", "ञ": "n",
    "ट": "t", "ठ": "th", "ड": "d", "ढ": "dh", "ण": "n",
    "त": "t", "थ": "th", "द": "d", "ध": "dh", "न": "n",
    "प": "p", "फ": "ph", "ब": "b", "भ": "bh", "म": "m",
    "य": "y", "र": "r", "ल": "l", "ळ": "l", "व": "v",
    "श": "sh", "ष": "sh", "स": "s", "ह": "h",
}  # fmt: skip
# A consonant with a nukta below (Unicode keeps "ज़" as "ज" + nukta, even precomposed ones).
_WITH_NUKTA = {"क": "q", "ख": "kh", "ग": "g", "ज": "z", "ड": "r", "ढ": "rh", "फ": "f"}
_NUKTA, _VIRAMA = "\u093c", "\u094d"
_ANUSVARA = "\x00"  # decided once the next letter is known: "m" before p/b/m ("अंबुजा" -> "ambuja")
_NASALS = {"\u0902": _ANUSVARA, "\u0901": "n", "\u0903": "h"}  # anusvara, candrabindu, visarga
_DIGITS = {chr(0x0966 + i): str(i) for i in range(10)}

# Words that say what kind of company it is, not which: "Acme Pvt. Ltd." suggests "acme".
_LEGAL_WORDS = frozenset(
    {"pvt", "private", "ltd", "limited", "llp", "inc", "co", "corp", "plc", "llc", "the", "and"}
)


def _devanagari_to_latin(text: str) -> str:
    out: list[str] = []
    pending_a = False  # a consonant was written and its inherent "a" is not yet decided
    word_letters = 0  # consonants and vowels of the current word so far
    previous = ""
    for ch in unicodedata.normalize("NFC", text):
        if ch == _NUKTA:
            if previous in _WITH_NUKTA and pending_a:
                out[-1] = _WITH_NUKTA[previous]
            continue
        previous = ch
        consonant = _CONSONANTS.get(ch)
        if consonant is not None:
            if pending_a:
                out.append("a")
            out.append(consonant)
            pending_a = True
            word_letters += 1
            continue
        if ch in _SIGNS:
            out.append(_SIGNS[ch])
            pending_a = False
        elif ch == _VIRAMA:
            pending_a = False
        elif ch in _NASALS:
            if pending_a:
                out.append("a")
            out.append(_NASALS[ch])
            pending_a = False
        elif ch in _VOWELS:
            if pending_a:
                out.append("a")
            out.append(_VOWELS[ch])
            pending_a = False
            word_letters += 1
        else:
            # The end of a word: its last inherent "a" is silent ("राम" -> "ram"), but a word of
            # one consonant keeps it ("क" -> "ka").
            if pending_a and word_letters == 1:
                out.append("a")
            pending_a = False
            word_letters = 0
            out.append(_DIGITS.get(ch, ch))
    if pending_a and word_letters == 1:
        out.append("a")
    latin = "".join(out)
    return re.sub(_ANUSVARA + "(?=[pbm])", "m", latin).replace(_ANUSVARA, "n")


def subdomain_from_name(name: str) -> str:
    """A subdomain spelled from ``name`` (possibly taken or too short: see
    ``subdomain_suggest``), or "" when nothing of it can be spelled in a-z and 0-9."""
    latin = _devanagari_to_latin(name)
    ascii_only = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", re.sub("['\u2019]", "", ascii_only)) if w]
    kept = [w for w in words if w not in _LEGAL_WORDS] or words
    slug = "-".join(kept)
    if len(slug) > SUBDOMAIN_MAX:
        slug = slug[:SUBDOMAIN_MAX].rstrip("-")
    return slug


def _usable(slug: str) -> bool:
    try:
        validate_subdomain(slug)
    except ValidationError:
        return False
    return not subdomain_is_taken(slug)


def subdomain_free_variant(slug: str) -> str | None:
    """``slug`` if it is usable and free, else the first free ``slug-2``, ``slug-3``, ...
    (shortened to fit), or None when none of the first 50 is free."""
    if _usable(slug):
        return slug
    base = slug if len(slug) >= SUBDOMAIN_MIN else f"{slug}-org".lstrip("-")
    if _usable(base):
        return base
    for n in range(2, 51):
        suffix = f"-{n}"
        candidate = base[: SUBDOMAIN_MAX - len(suffix)].rstrip("-") + suffix
        if _usable(candidate):
            return candidate
    return None


def subdomain_suggest(name: str) -> str | None:
    """The free subdomain to suggest for an organization called ``name``, or None."""
    slug = subdomain_from_name(name)
    return subdomain_free_variant(slug) if slug else None
