"""The audit log (Owners): filters, pages and a CSV export."""

from __future__ import annotations

import csv
import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from verification import events
from verification.account.forms import AuditFilterForm
from verification.account.permissions import OWNERS, role_required
from verification.account.selectors import audit_events, employee_names
from verification.audit import action_label, actor_words, event_details
from verification.spreadsheets import neutralise

AUDIT_PAGE_SIZE = 50


@role_required(*OWNERS)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    page = Paginator(audit_events(form), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    names = employee_names({event.employee_id for event in page if event.employee_id})
    rows = [
        {
            "event": event,
            "what": action_label(event.action),
            "who": actor_words(event.actor_kind, event.actor_label),
            "employee": names.get(event.employee_id) if event.employee_id else None,
            "details": event_details(event.action, event.data),
        }
        for event in page
    ]
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    return render(request, "account/audit.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@role_required(*OWNERS)
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    form = AuditFilterForm(request.GET)
    events_qs = audit_events(form)
    count = events_qs.count()
    events.audit_exported(
        actor=request.user, filters={k: str(v) for k, v in (form.cleaned_data or {}).items() if v}, rows=count
    )
    writer = csv.writer(_Echo())

    def rows():  # type: ignore[no-untyped-def]
        yield writer.writerow(
            ["time", "action", "actor_kind", "actor", "employee_id", "ip_address", "details", "description"]
        )
        for event in events_qs.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(event.at).isoformat(),
                    event.action,
                    event.actor_kind,
                    neutralise(event.actor_label),
                    event.employee_id or "",
                    event.ip_address or "",
                    neutralise(json.dumps(event.data, sort_keys=True, ensure_ascii=False)),
                    neutralise(
                        " · ".join(
                            p
                            for p in (action_label(event.action), event_details(event.action, event.data))
                            if p
                        )
                    ),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y-%m-%d}.csv"'
    response["Cache-Control"] = "no-store"
    return response
