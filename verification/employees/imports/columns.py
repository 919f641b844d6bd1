"""The columns an employee file may have: canonical fields, the header names accepted for each,
labels, lengths, and the template offered for download.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy

#: Canonical field -> the header names accepted for it (matched case-insensitively, with
#: spaces, underscores, hyphens, dots, colons, ``#``, ``*``, ``/`` and brackets treated alike):
#: the names HR exports and templates really use. Documented on the upload page. A header
#: none of them matches stops at the preview, where HR maps it (remembered per organization).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "code": (
        "code",
        "employee code",
        "emp code",
        "ecode",
        "emp id",
        "employee id",
        "staff id",
        "staff code",
        "staff no",
        "staff number",
        "emp no",
        "employee no",
        "employee number",
        "emp number",
        "personnel number",
        "payroll id",
    ),
    "full_name": (
        "full name",
        "name",
        "employee name",
        "emp name",
        "staff name",
        "name as per id",
        "name as per aadhaar",
        "name as per aadhar",
        "name as per pan",
    ),
    "email": (
        "email",
        "e-mail",
        "email address",
        "e-mail address",
        "mail",
        "email id",
        "e-mail id",
        "mail id",
        "work email",
        "official email",
        "official email id",
    ),
    "mobile": (
        "mobile",
        "mobile no",
        "mobile number",
        "phone",
        "phone no",
        "phone number",
        "contact",
        "contact no",
        "contact number",
        "mobile phone",
        "cell",
        "cell phone",
        "registered mobile",
    ),
    "department": ("department", "dept", "department name", "division", "team", "function", "business unit"),
    "location": (
        "location",
        "work location",
        "office",
        "office location",
        "base location",
        "branch",
        "site",
        "city",
        "work city",
        "place of posting",
    ),
}


REQUIRED_FIELDS = ("code", "full_name")

#: A file needs at least one of these columns, and each row at least one of them filled: how
#: the invitation reaches the person (e-mail, else SMS or a printed letter).
CONTACT_FIELDS = ("email", "mobile")


FIELD_LABELS = {
    "code": gettext_lazy("Employee code"),
    "full_name": gettext_lazy("Full name"),
    "email": gettext_lazy("Email"),
    "mobile": gettext_lazy("Mobile"),
    "department": gettext_lazy("Department"),
    "location": gettext_lazy("Location"),
}


MAX_LENGTHS = {"code": 40, "full_name": 150, "email": 254, "department": 100, "location": 100}


#: The template file offered for download: the canonical headers and one example row.
TEMPLATE_HEADERS = ("Employee code", "Full name", "Email", "Mobile", "Department", "Location")


TEMPLATE_EXAMPLE = ("E1001", "Asha Verma", "asha.verma@example.com", "9876543210", "Finance", "Pune")


#: Characters of a header kept as the key of a remembered mapping.
HEADER_KEY_CHARS = 100


def header_key(value: str) -> str:
    """A header as it is matched: lower case, punctuation HR puts in headers as spaces."""
    text = re.sub(r"[_\-.:#*/()]+", " ", value.replace("\ufeff", "")).lower()
    return " ".join(text.split())[:HEADER_KEY_CHARS]


_WHOLE_NUMBER = re.compile(r"(\d+)\.0+")


def normalise_code(value: str) -> str:
    """An employee code as it is stored, the same from a CSV and from an XLSX: a whole number
    a spreadsheet wrote with a decimal part of zeros (``1.0``, ``0042.00``) is the number
    without it (``1``, ``0042``), as an XLSX numeric cell ``1.0`` reads ``1``. Leading zeros
    and any other text are kept as typed (``E1.0`` stays ``E1.0``)."""
    code = value.strip()
    whole = _WHOLE_NUMBER.fullmatch(code)
    return whole.group(1) if whole else code


#: What HR may map an unrecognised column to: a field, or IGNORE.
IGNORE = ""


ALIAS_TO_FIELD = {header_key(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}
