"""Owner pages: the organization's settings and its audit log."""

from __future__ import annotations

import csv
from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.models import Organization
from tenants.selectors import organization_current
from tenants.validators import validate_plain_text
from verification import events
from verification.exports import neutralise
from verification.models import AuditEvent, Employee
from verification.permissions import role_required
from verification.roles import Role

OWNERS = (Role.OWNER,)
AUDIT_PAGE_SIZE = 50


class SettingsForm(forms.ModelForm):
    reminder_days = forms.CharField(
        label=gettext_lazy("Reminder days"),
        required=False,
        help_text=gettext_lazy(
            "Days after the invitation, comma-separated, for example 3, 7. Leave empty for none."
        ),
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "grievance_contact_name",
            "grievance_contact_email",
            "invitation_expiry_days",
            "reminder_days",
            "dashboard_min_group_size",
            "retention_days",
            "link_view_days",
        ]
        labels = {
            "name": gettext_lazy("Display name"),
            "grievance_contact_name": gettext_lazy("Grievance / privacy contact (name)"),
            "grievance_contact_email": gettext_lazy("Grievance / privacy contact (e-mail)"),
            "invitation_expiry_days": gettext_lazy("Invitation links expire after (days)"),
            "dashboard_min_group_size": gettext_lazy("Smallest group shown on the dashboard"),
            "retention_days": gettext_lazy(
                "Erase status and mobile number this many days after deactivation or withdrawal"
            ),
            "link_view_days": gettext_lazy("Employee links show the status for (days after last use)"),
        }
        help_texts = {
            "grievance_contact_email": gettext_lazy("Shown to employees on the consent notice."),
            "dashboard_min_group_size": gettext_lazy(
                "Smaller departments and locations are merged into “Other”."
            ),
            "link_view_days": gettext_lazy(
                "Once an employee's link has not been used for this many days, it shows their status "
                "and data only after a one-time code e-mailed to them. Withdrawal always works. "
                "Between 1 and 365."
            ),
        }

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        # Names go into e-mail subjects and headings: one line, no control characters.
        for name in ("name", "grievance_contact_name"):
            self.fields[name].validators.append(validate_plain_text)
        if not self.is_bound:
            self.initial["reminder_days"] = ", ".join(str(d) for d in self.instance.reminder_days or [])

    def clean_reminder_days(self) -> list[int]:
        raw = self.cleaned_data["reminder_days"] or ""
        try:
            days = sorted({int(part) for part in raw.replace(";", ",").split(",") if part.strip()})
        except ValueError:
            raise forms.ValidationError(_("Use whole numbers of days, separated by commas.")) from None
        if any(d < 1 or d > 60 for d in days) or len(days) > 5:
            raise forms.ValidationError(_("Up to 5 reminders, each between 1 and 60 days."))
        return days

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean() or {}
        for field, low, high in (
            ("invitation_expiry_days", 1, 60),
            ("dashboard_min_group_size", 1, 50),
            ("retention_days", 0, 3650),
            ("link_view_days", 1, 365),
        ):
            value = cleaned.get(field)
            if value is not None and not low <= value <= high:
                self.add_error(field, _("Between %(low)d and %(high)d.") % {"low": low, "high": high})
        return cleaned


@role_required(*OWNERS)
def settings_page(request: HttpRequest) -> HttpResponse:
    organization = organization_current()
    if organization is None:  # the organization's own site always has one
        raise PermissionDenied
    form = SettingsForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        form.save()
        events.organization_settings_changed(actor=request.user, fields=sorted(form.changed_data))
        messages.success(request, _("Settings saved."))
        return redirect("account:settings")
    return render(request, "tenant/account/settings.html", {"form": form})


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=gettext_lazy("Who"), required=False)
    action = forms.ChoiceField(label=gettext_lazy("What"), required=False)
    employee = forms.CharField(label=gettext_lazy("Employee code"), required=False)
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
        self.fields["action"].choices = [("", _("Any"))] + [(a, a) for a in actions]  # type: ignore[attr-defined]


def audit_events(form: AuditFilterForm) -> QuerySet[AuditEvent]:
    """Audit events matching the filters, newest first."""
    events_qs = AuditEvent.objects.all()
    if not form.is_valid():
        return events_qs.none()
    data = form.cleaned_data
    if data["actor"]:
        events_qs = events_qs.filter(actor_label__icontains=data["actor"])
    if data["action"]:
        events_qs = events_qs.filter(action=data["action"])
    if data["employee"]:
        ids = list(Employee.objects.filter(code=data["employee"].strip()).values_list("pk", flat=True))
        events_qs = events_qs.filter(employee_id__in=ids)
    tz = timezone.get_current_timezone()
    if data["since"]:
        events_qs = events_qs.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=tz))
    if data["until"]:
        events_qs = events_qs.filter(at__lte=datetime.combine(data["until"], time.max, tzinfo=tz))
    return events_qs.order_by("-at", "-id")


@role_required(*OWNERS)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    page = Paginator(audit_events(form), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "tenant/account/audit.html", {"form": form, "page": page, "query": query.urlencode()}
    )


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
            ["time", "action", "actor_kind", "actor", "employee_id", "ip_address", "details"]
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
                    neutralise(str(event.data)),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y-%m-%d}.csv"'
    response["Cache-Control"] = "no-store"
    return response
