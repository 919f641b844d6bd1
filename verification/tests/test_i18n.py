"""The Hindi catalogue: the employee's journey is translated, and the committed .mo matches the .po.

The .po is parsed here with a small reader of our own (no polib): enough for what makemessages
writes (comments, flags, msgctxt, multi-line strings, plural forms; obsolete ``#~`` entries are
dropped).
"""

from __future__ import annotations

import gettext as gnu_gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "hi" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

# Where the strings an employee reads come from: every entry referenced from here must be translated.
EMPLOYEE_FACING = (
    "templates/consent/",
    "templates/emails/",
    "templates/base.html",
    "verification/errors.py",
    "verification/consent/",
    "verification/privacy/summary.py",
    "verification/audit.py",
    "verification/models/",
    "verification/providers/base.py",
    "verification/phones.py",
    # Refusals of an uploaded vaccination certificate, shown to the employee.
    "verification/providers/certificate/errors.py",
)

# Strings an employee is sure to meet; each must read differently in Hindi.
KEY_STRINGS = (
    "I agree",
    "Decline",
    "Send OTP",
    "Withdraw consent",
    "Fully vaccinated",
    "Partially vaccinated",
    "Not vaccinated",
    "That OTP has expired. Please ask for a new one.",
    "That OTP is not right.",
    "Enter a valid Indian mobile number.",
    "Vaccination status",
    "Your link:",
    "Hello %(name)s,",
)

# Names and terms kept as they are in the English text.
KEPT_TERMS = ("CoWIN", "OTP", "HR", "Tika", "DPDP")

PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sd]")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[(\d+)\])?)\s+"(.*)"$')


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def is_plural(self) -> bool:
        return self.msgid_plural is not None

    @property
    def translations(self) -> list[str]:
        if self.is_plural:
            return [self.msgstr_plural[k] for k in sorted(self.msgstr_plural)]
        return [self.msgstr]

    @property
    def is_translated(self) -> bool:
        return bool(self.translations) and all(self.translations) and "fuzzy" not in self.flags

    def comes_from(self, prefixes: tuple[str, ...]) -> bool:
        return any(ref.startswith(prefixes) for ref in self.references)

    def __str__(self) -> str:
        return f"{self.msgid!r} ({', '.join(self.references) or 'no reference'})"


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), text)


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header included, obsolete ones left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None  # the field the next continuation line extends

    def finish() -> None:
        nonlocal entry, target
        if entry is not None:
            entries.append(entry)
        entry, target = None, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = Entry()
        if line.startswith("#:"):
            entry.references.extend(ref.rsplit(":", 1)[0] for ref in line[2:].split())
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := KEYWORD.match(line):
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            target = ("msgstr_plural", int(index)) if keyword.startswith("msgstr[") else (keyword, None)
            _extend(entry, target, value, start=True)
        elif line.startswith('"') and line.endswith('"') and target is not None:
            _extend(entry, target, _unquote(line[1:-1]), start=False)
        else:
            raise AssertionError(f"{path}: cannot read the line {raw!r}")
    finish()
    return entries


def _extend(entry: Entry, target: tuple[str, int | None], value: str, *, start: bool) -> None:
    name, index = target
    if name == "msgstr_plural":
        assert index is not None
        entry.msgstr_plural[index] = ("" if start else entry.msgstr_plural[index]) + value
    else:
        setattr(entry, name, value if start else (getattr(entry, name) or "") + value)


@cache
def po_entries() -> tuple[Entry, ...]:
    return tuple(entry for entry in parse_po(PO_PATH) if not entry.is_header)


def employee_entries() -> list[Entry]:
    return [entry for entry in po_entries() if entry.comes_from(EMPLOYEE_FACING)]


def _lookup(entry: Entry) -> str:
    if entry.msgctxt is not None:
        return translation.pgettext(entry.msgctxt, entry.msgid)
    return translation.gettext(entry.msgid)


# (a) The employee's journey is in Hindi.


def test_po_file_is_read_the_way_msgfmt_reads_it() -> None:
    entries = po_entries()
    assert len(entries) > 100
    assert len({(e.msgctxt, e.msgid) for e in entries}) == len(entries), "duplicate msgids"
    multi_line = [e for e in entries if "\n" in e.msgid]
    assert multi_line, "the invitation e-mail's multi-line message should be in the catalogue"
    assert all("\n" in e.msgstr for e in multi_line)


def test_every_employee_facing_string_is_translated() -> None:
    entries = employee_entries()
    sources = {prefix for prefix in EMPLOYEE_FACING if any(e.comes_from((prefix,)) for e in entries)}
    assert sources == set(EMPLOYEE_FACING), f"no strings found from {set(EMPLOYEE_FACING) - sources}"
    untranslated = [str(e) for e in entries if not e.is_translated]
    assert not untranslated, "untranslated or fuzzy:\n" + "\n".join(untranslated)


def test_no_fuzzy_entries() -> None:
    header = next(e for e in parse_po(PO_PATH) if e.is_header)
    fuzzy = [str(e) for e in (header, *po_entries()) if "fuzzy" in e.flags]
    assert not fuzzy, "fuzzy entries are left out of the .mo:\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("msgid", KEY_STRINGS)
def test_key_strings_read_in_hindi(msgid: str) -> None:
    with translation.override("hi"):
        hindi = translation.gettext(msgid)
    assert hindi != msgid
    assert re.search(r"[\u0900-\u097f]", hindi), f"{hindi!r} has no Devanagari"


def test_error_messages_with_details_are_in_hindi() -> None:
    from verification.errors import ErrorCode, message_for

    with translation.override("hi"):
        assert message_for(ErrorCode.OTP_EXPIRED) == translation.gettext(
            "That OTP has expired. Please ask for a new one."
        )
        one = message_for(ErrorCode.WRONG_OTP, tries_left=1)
        two = message_for(ErrorCode.WRONG_OTP, tries_left=2)
        wait = message_for(ErrorCode.RESEND_TOO_SOON, seconds=25)
    assert "1" in one and "2" in two
    assert one.replace("1", "#") != two.replace("2", "#"), "singular and plural read the same"
    assert "OTP" in one and not one.startswith("That")
    assert "25" in wait and not wait.startswith("An OTP")


def test_translations_keep_placeholders_tags_and_names() -> None:
    problems = []
    for entry in po_entries():
        source = entry.msgid + (entry.msgid_plural or "")
        for text in filter(None, entry.translations):
            if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(source)):
                problems.append(f"placeholders differ: {entry}")
            if sorted(HTML_TAG.findall(text)) != sorted(HTML_TAG.findall(entry.msgid)):
                problems.append(f"HTML tags differ: {entry}")
            problems.extend(
                f"{term!r} missing: {entry}" for term in KEPT_TERMS if term in source and term not in text
            )
    assert not problems, "\n".join(problems)


# (b) The committed .mo is the compiled .po.


def test_po_passes_msgfmt_check() -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext (msgfmt) is not installed")
    result = subprocess.run(
        [msgfmt, "--check", "-o", "/dev/null", str(PO_PATH)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_gettext_returns_each_po_translation() -> None:
    stale = []
    with translation.override("hi"):
        for entry in po_entries():
            if entry.is_plural or not entry.is_translated:
                continue
            if (found := _lookup(entry)) != entry.msgstr:
                stale.append(f"{entry}: .po says {entry.msgstr!r}, gettext gives {found!r}")
    assert not stale, "recompile with `manage.py compilemessages -l hi`:\n" + "\n".join(stale)


def test_mo_holds_exactly_the_po_translations() -> None:
    """Read the .mo itself, plural forms included, so a stale or extra entry cannot hide."""
    with MO_PATH.open("rb") as handle:
        catalog = gnu_gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for entry in po_entries():
        if not entry.is_translated:
            continue
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.is_plural:
            expected.update({(key, n): text for n, text in sorted(entry.msgstr_plural.items())})
        else:
            expected[key] = entry.msgstr
    compiled = {key: text for key, text in catalog.items() if key != ""}
    assert compiled == expected, "recompile with `manage.py compilemessages -l hi`"


@pytest.mark.django_db
def test_employee_who_switches_to_hindi_reads_the_notice_in_hindi(org_a) -> None:  # type: ignore[no-untyped-def]
    from django_tenants.utils import schema_context

    from portal.testing import host_client
    from verification.tests.factories import EmployeeFactory, InvitationFactory

    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create(code="HI-1", full_name="Asha Rao", email="asha@staff.example")
        token = InvitationFactory.create(employee=employee).token
    client = host_client(org_a.host)
    notice = f"/c/{token}/"
    switched = client.post("/i18n/setlang/", {"language": "hi", "next": notice})
    assert switched.status_code == 302 and switched["Location"] == notice

    page = client.get(notice).content.decode()
    footer = "Your data is handled under India's Digital Personal Data Protection Act, 2023."
    with translation.override("hi"):
        expected = [translation.gettext(s) for s in ("I agree", "Decline", "What is collected", footer)]
    assert '<html lang="hi">' in page
    for text in expected:
        assert text in page
    assert "I agree" not in page and "What is collected" not in page
