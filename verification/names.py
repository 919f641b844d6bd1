"""Whether a name someone gave is the name on file, allowing for how Indian names get written.

``names_match(on_file, given)`` says match or mismatch, and why. It allows for case, spacing
and punctuation; honorifics in front (Mr, Mrs, Ms, Dr, Shri, Smt, Kumari, Sri, श्री ...); word
order ("Kumar Ravi"); initials ("R. Kumar", "R.K. Sharma", "RK Sharma"); common abbreviations
("Md." / "Mohd." for Mohammed, "Kr." for Kumar, "Pd." for Prasad); one missing middle name in a
name of three words or more; and common transliteration variants of one word (aa/a, ee/i, oo/u,
ou/au, v/w, sh/s, ph/f, th/t, dh/d, bh/b, kh/k, gh/g, ksh/x, q/k, ck/k, double letters, and the
unwritten "a" of long words: Ramachandran/Ramchandran, Siddhartha/Siddharth).

It does not transliterate between scripts: a name in Devanagari matches only a name in
Devanagari. At least one word must match in full (not as an initial), so "R. K." never matches.

Pure Python, no Django: the verification routes (a changed mobile number, certificates) share it.
The result is symmetric: ``names_match(a, b)`` and ``names_match(b, a)`` agree on the verdict.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass


class Verdict(enum.StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"


class Reason(enum.StrEnum):
    # A match, from the strictest to the loosest rule that was needed.
    SAME = "same"  # the same words in the same order (case, spaces, punctuation aside)
    HONORIFIC = "honorific"  # ... once a title such as Mr or Smt is left out
    WORD_ORDER = "word_order"
    SPELLING = "spelling"  # a transliteration variant or abbreviation of a word
    INITIALS = "initials"  # an initial stands for a word
    MIDDLE_NAME = "middle_name_missing"  # one name has one more word (three or more words)
    # A mismatch.
    EMPTY = "empty"
    DIFFERENT_SCRIPTS = "different_scripts"
    DIFFERENT_WORDS = "different_words"
    ONLY_INITIALS = "only_initials"


# Looseness of the match reasons, for picking the one to report.
_ORDER = (
    Reason.SAME,
    Reason.HONORIFIC,
    Reason.WORD_ORDER,
    Reason.SPELLING,
    Reason.INITIALS,
    Reason.MIDDLE_NAME,
)


@dataclass(frozen=True)
class NameMatch:
    verdict: Verdict
    #: The loosest rule the match needed, or why the names do not match.
    reason: Reason
    #: Every rule the match used (empty for a mismatch).
    rules: tuple[Reason, ...] = ()

    @property
    def matches(self) -> bool:
        return self.verdict == Verdict.MATCH

    def __bool__(self) -> bool:
        return self.matches


# Titles written before a name (compared without dots, case-folded).
HONORIFICS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "master",
        "dr",
        "prof",
        "shri",
        "shree",
        "sri",
        "sree",
        "sh",
        "smt",
        "shrimati",
        "srimati",
        "sushri",
        "kumari",
        "kum",
        "km",
        "late",
        "श्री",
        "श्रीमती",
        "सुश्री",
        "कुमारी",
        "डॉ",
        "डा",
        "स्व",
    }
)

# Abbreviations and spellings of one word, mapped to one form.
ALIASES = {
    **dict.fromkeys(
        (
            "md",
            "mohd",
            "mohamad",
            "mohammad",
            "mohamed",
            "mohammed",
            "muhamad",
            "muhammad",
            "muhammed",
            "mohmmad",
            "mohammod",
        ),
        "mohammed",
    ),
    "kr": "kumar",
    "pd": "prasad",
}

# Letter groups that are spelled more than one way in romanised Indian names, in the order
# they are rewritten (longer groups first).
_SPELLINGS = (
    ("chh", "ch"),
    ("ksh", "ks"),
    ("x", "ks"),
    ("sh", "s"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("bh", "b"),
    ("kh", "k"),
    ("gh", "g"),
    ("jh", "j"),
    ("ck", "k"),
    ("q", "k"),
    ("w", "v"),
    ("ee", "i"),
    ("oo", "u"),
    ("ou", "au"),
)
_DOUBLE = re.compile(r"(.)\1+")
_VOWELS = frozenset("aeiou")
# Words at least this long may drop an unwritten "a" (schwa): Ramachandran / Ramchandran.
_SCHWA_MIN_LENGTH = 6

_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_APOSTROPHES = re.compile("['`\u2018\u2019\u00b4]")  # ' ` and the typographic ones
# Anything but letters, digits and the marks that belong to letters separates words.
_SEPARATOR = re.compile(r"[^\w\u0900-\u097F]|_")


@dataclass(frozen=True)
class _Name:
    words: tuple[str, ...]
    honorific: bool  # a title was left out
    devanagari: bool


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _parse(name: str) -> _Name:
    text = unicodedata.normalize("NFKC", name or "")
    devanagari = bool(_DEVANAGARI.search(text))
    if not devanagari:
        text = _strip_accents(text)
    text = _APOSTROPHES.sub("", text)
    raw = [w for w in _SEPARATOR.split(text) if w]
    all_caps = text.upper() == text
    words: list[str] = []
    for word in raw:
        folded = word.casefold()
        if folded in ALIASES:
            words.append(folded)  # "MD", "KR": an abbreviation, not two initials
        elif not devanagari and not all_caps and 2 <= len(word) <= 3 and word.isupper() and word.isalpha():
            # "RK Sharma": initials run together, in a name not written all in capitals.
            words.extend(folded)
        else:
            words.append(folded)
    honorific = False
    while len(words) > 1 and words[0] in HONORIFICS:
        words.pop(0)
        honorific = True
    return _Name(words=tuple(words), honorific=honorific, devanagari=devanagari)


def spelling_key(word: str) -> str:
    """``word`` (case-folded) with the transliteration variants rewritten to one form."""
    key = word
    for variant, common in _SPELLINGS:
        key = key.replace(variant, common)
    return _DOUBLE.sub(r"\1", key)


def _schwa_key(key: str) -> str:
    """``key`` without the "a"s between two consonants and a final "a" (an unwritten vowel)."""
    kept = []
    for i, letter in enumerate(key):
        if letter == "a" and i > 0:
            before = key[i - 1]
            after = key[i + 1] if i + 1 < len(key) else ""
            if before not in _VOWELS and (after == "" or after not in _VOWELS):
                continue
        kept.append(letter)
    return "".join(kept)


# How two words compare (None: not at all).
_EXACT, _SPELLING, _INITIAL = 0, 1, 2


def _compare(a: str, b: str, *, devanagari: bool) -> int | None:
    if a == b:
        return _EXACT
    if devanagari:
        return None
    if ALIASES.get(a, a) == ALIASES.get(b, b):
        return _SPELLING
    if len(a) == 1 or len(b) == 1:
        return _INITIAL if a[0] == b[0] else None
    ka, kb = spelling_key(a), spelling_key(b)
    if ka == kb:
        return _SPELLING
    if max(len(ka), len(kb)) >= _SCHWA_MIN_LENGTH and _schwa_key(ka) == _schwa_key(kb):
        return _SPELLING
    return None


def _matching(edges: dict[int, list[tuple[int, int]]], size_a: int) -> dict[int, int]:
    """Pair words of A with words of B (a -> b), preferring exact pairs, then spellings, then
    initials: a maximum matching built in three passes of augmenting paths (Kuhn), so a word
    matched in an earlier pass stays matched."""
    a_to_b: dict[int, int] = {}
    b_to_a: dict[int, int] = {}
    for level in (_EXACT, _SPELLING, _INITIAL):
        allowed = {a: [b for b, lv in edges.get(a, []) if lv <= level] for a in range(size_a)}

        def augment(a: int, seen: set[int], allowed: dict[int, list[int]] = allowed) -> bool:
            for b in allowed[a]:
                if b in seen:
                    continue
                seen.add(b)
                if b not in b_to_a or augment(b_to_a[b], seen):
                    a_to_b[a], b_to_a[b] = b, a
                    return True
            return False

        for a in range(size_a):
            if a not in a_to_b:
                augment(a, set())
    return a_to_b


def names_match(on_file: str, given: str) -> NameMatch:
    """Whether ``given`` names the same person as ``on_file`` (see the module's docstring)."""
    a, b = _parse(on_file), _parse(given)
    if not a.words or not b.words:
        return NameMatch(Verdict.MISMATCH, Reason.EMPTY)
    if a.devanagari != b.devanagari:
        return NameMatch(Verdict.MISMATCH, Reason.DIFFERENT_SCRIPTS)
    edges: dict[int, list[tuple[int, int]]] = {}
    for i, word_a in enumerate(a.words):
        for j, word_b in enumerate(b.words):
            level = _compare(word_a, word_b, devanagari=a.devanagari)
            if level is not None:
                edges.setdefault(i, []).append((j, level))
    pairs = _matching(edges, len(a.words))
    levels = [dict(edges[i])[j] for i, j in pairs.items()]
    full = sum(1 for level in levels if level != _INITIAL)
    if not full:
        return NameMatch(Verdict.MISMATCH, Reason.ONLY_INITIALS if pairs else Reason.DIFFERENT_WORDS)
    missing_a, missing_b = len(a.words) - len(pairs), len(b.words) - len(pairs)
    rules: list[Reason] = []
    if missing_a or missing_b:
        # One more word on one side only, in a name of three or more, two words matching in full.
        longer = max(len(a.words), len(b.words))
        if (missing_a and missing_b) or max(missing_a, missing_b) > 1 or longer < 3 or full < 2:
            return NameMatch(Verdict.MISMATCH, Reason.DIFFERENT_WORDS)
        rules.append(Reason.MIDDLE_NAME)
    if a.honorific or b.honorific:
        rules.append(Reason.HONORIFIC)
    in_order = [pairs[i] for i in sorted(pairs)]
    if in_order != sorted(in_order):
        rules.append(Reason.WORD_ORDER)
    if _SPELLING in levels:
        rules.append(Reason.SPELLING)
    if _INITIAL in levels:
        rules.append(Reason.INITIALS)
    ordered = tuple(sorted(set(rules), key=_ORDER.index))
    return NameMatch(Verdict.MATCH, ordered[-1] if ordered else Reason.SAME, ordered)
