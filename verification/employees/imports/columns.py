"""The columns an employee file may have: canonical fields, the header names accepted for each,
labels, lengths, and the template offered for download.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy

#: Canonical field -> the header names accepted for it (matched case-insensitively, with
#: spaces, underscores, hyphens and dots treated alike). Documented on the upload page.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "employee code", "emp code", "emp id", "employee id", "emp no", "employee number"),
    "full_name": ("full name", "name", "employee name"),
    "email": ("email", "e-mail", "email address", "e-mail address", "mail"),
    "mobile": ("mobile", "phone", "mobile number", "phone number", "mobile no", "cell"),
    "department": ("department", "dept"),
    "location": ("location", "office", "city"),
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


def header_key(value: str) -> str:
    return " ".join(re.sub(r"[_\-.]+", " ", value.replace("\ufeff", "")).lower().split())


ALIAS_TO_FIELD = {header_key(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}
