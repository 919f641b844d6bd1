"""The directory's table rows, their cells worked out once per page in Python.

Rendered cell by cell in the template, a page of 50 rows cost more than its queries: a URL
reversed per row, every label looked up in the catalogue per row, two includes per row, ids
and dates run through the localisation filters. Here the URL pattern is reversed once, each
label is translated once per page, an include's output is rendered once per distinct input
(a page has a handful: how a status was verified, and a channel), and every row becomes a
dict of strings, which the template reads with a dict lookup (the first thing a template
variable tries), nothing else.

What each cell shows and its markup stay in templates: ``employees/_row.html`` lays out the
row, ``components/status_details.html`` and ``employees/_channel.html`` are the same
components the employee's page uses. The row template is rendered once per shape of row, not
once per row (``RowMarkup``): 50 rows through the template language were 3 ms a page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Any

from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from verification.models import Employee, Progress, VaccinationStatus

#: What a cell without a value shows.
NONE = "—"


def url_for_each(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for any number of primary keys, reversing once: the
    pattern's path with the key put where a sentinel key came out."""
    sentinel = "9087654321"
    head, found, tail = reverse(name, args=[int(sentinel)]).partition(sentinel)
    if not found:  # a converter that rewrites the number: reverse each one
        return lambda pk: reverse(name, args=[pk])
    return lambda pk: f"{head}{pk}{tail}"


def component_once(template_name: str) -> Callable[[Hashable, dict[str, Any]], SafeString]:
    """The component's output for a context, rendered once per distinct key (the caller's
    summary of everything the component reads from that context)."""
    template = get_template(template_name)
    rendered: dict[Hashable, SafeString] = {}

    def render(key: Hashable, context: dict[str, Any]) -> SafeString:
        if key not in rendered:
            rendered[key] = mark_safe(template.render(context))  # noqa: S308 - an autoescaped template's output
        return rendered[key]

    return render


def _escaped(value: Any) -> str:
    """``conditional_escape(value)``, without its lazy-text wrappers (750 values a page):
    safe markup as it is, anything else through the same ``html.escape``."""
    return str(value.__html__()) if hasattr(value, "__html__") else html.escape(str(value))


class RowMarkup:
    """A row template's output for any number of rows, the template rendered once per shape.

    A row's *shape* is which of its values are true, and which false value each of the others
    holds (None, False, ""): all that the row template's ``{% if %}``s may ask (the template
    says so). For each shape the template is rendered once, a marker (itself true) in place
    of every true value; a row of that shape is then that output with the row's own values,
    escaped (safe markup as it is), where the markers came out. The output is split at the
    markers once per shape and the values are put in after, never searched again: nothing a
    value holds can act as a marker or as markup. One instance per page (one language).
    """

    OPEN, CLOSE = "\ue000", "\ue001"  # private-use characters: no catalogue text holds them
    MARKER = re.compile("\ue000(\\w+)\ue001")

    def __init__(self, template_name: str) -> None:
        self.template = get_template(template_name)
        self.shapes: dict[Hashable, list[str]] = {}

    def render(self, row: dict[str, Any]) -> SafeString:
        shape = tuple((name, True) if value else (name, type(value), value) for name, value in row.items())
        parts = self.shapes.get(shape)
        if parts is None:
            stand_in = {
                name: f"{self.OPEN}{name}{self.CLOSE}" if value else value for name, value in row.items()
            }
            parts = self.shapes[shape] = self.MARKER.split(self.template.render({"row": stand_in}))
        # parts: text, name, text, name, ..., text
        filled = [part if i % 2 == 0 else _escaped(row[part]) for i, part in enumerate(parts)]
        return mark_safe("".join(filled))  # noqa: S308 - the template's markup, escaped values


def _when(value: datetime) -> tuple[str, str]:
    """``value|date:'c'`` and ``value|date:"SHORT_DATETIME_FORMAT"``, in the current time zone,
    as the template showed them."""
    local = timezone.localtime(value)
    return local.isoformat(), date_format(local, "SHORT_DATETIME_FORMAT")  # "c" is isoformat()


def directory_rows(employees: Iterable[Employee]) -> list[dict[str, Any]]:
    """One dict of ready cells per employee of a directory page (annotated as by
    ``selectors.employee_directory_page``), in the current language and time zone."""
    detail_url = url_for_each("employees:detail")
    status_details = component_once("components/status_details.html")
    channel_badge = component_once("employees/_channel.html")
    markup = RowMarkup("employees/_row.html")
    progress_labels = {value: str(label) for value, label in Progress.choices}
    status_labels = {value: str(label) for value, label in VaccinationStatus.choices}
    # The <label> of a row's checkbox: the template's blocktranslate, whose translated text
    # is markup and whose value is escaped.
    select_label = gettext("Select %(name)s")
    rows = []
    for employee in employees:
        pk = str(employee.pk)
        status = employee.vaccination_status
        row: dict[str, Any] = {
            "pk": pk,
            "url": detail_url(employee.pk),
            "is_active": employee.is_active,
            "select_label": mark_safe(select_label % {"name": escape(employee.full_name)}),  # noqa: S308 - escaped value in a catalogue text
            "name": employee.full_name,
            "code": employee.code,
            "email": employee.email or NONE,
            "mobile": employee.mobile_masked or NONE,
            "department": employee.department or NONE,
            "location": employee.location or NONE,
            "progress": employee.progress,
            "progress_label": progress_labels.get(employee.progress, employee.progress),
            "mobile_changed": employee.status_via_changed_mobile,  # type: ignore[attr-defined]
            "status": None if status is None else status_labels.get(status, status),
            "status_details": "",
            "verified": "",
            "verified_iso": "",
            "sent": "",
            "sent_iso": "",
            "invited": employee.last_invited_at is not None,
        }
        if status is not None:
            key = (
                employee.status_method,
                employee.status_dose,
                employee.status_total_doses,
                employee.status_vaccine,
                employee.status_last_dose_on,
            )
            row["status_details"] = status_details(key, {"employee": employee})
        if employee.status_verified_at:
            row["verified_iso"], row["verified"] = _when(employee.status_verified_at)
        sent_at = employee.last_invitation_sent_at
        if sent_at:
            channel = employee.last_invitation_channel
            row["sent_iso"], row["sent"] = _when(sent_at)
            row["channel"] = channel_badge(channel, {"channel": channel})
        row["html"] = markup.render(row)
        rows.append(row)
    return rows
