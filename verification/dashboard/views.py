"""The HR dashboard (aggregates only, never a name), live by htmx polling."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from tenants.members import Role
from verification.account.permissions import EMPLOYEE_MANAGERS, request_role, role_required
from verification.buckets import BUCKET_KEYS, BUCKET_LABELS
from verification.dashboard.selectors import TREND_DAYS, dashboard_stats, snapshot_trend
from verification.invitations.reminders import reminders_request

# Every staff role sees the dashboard: it shows counts and shares, never a person.
DASHBOARD_VIEWERS: tuple[Role, ...] = tuple(Role)


# Who may press "remind those who have not answered".
REMINDER_SENDERS: tuple[Role, ...] = EMPLOYEE_MANAGERS


# Series of the trend chart and its table: every bucket (keys of DailySnapshot.counts), so
# the legend names every group of people the totals above show.
TREND_SERIES = BUCKET_KEYS


def _dashboard_context(request: HttpRequest) -> dict[str, Any]:
    organization = request.tenant  # type: ignore[attr-defined]
    stats = dashboard_stats(min_group_size=organization.dashboard_min_group_size)
    today = timezone.localdate()
    points = {point.date: point.counts for point in snapshot_trend(today=today)}
    days = [today - timedelta(days=offset) for offset in range(TREND_DAYS - 1, -1, -1)]
    labels = BUCKET_LABELS
    chart = {
        "status": {
            "labels": [bucket.label for bucket in stats.totals.buckets],
            "keys": [bucket.key for bucket in stats.totals.buckets],
            "values": [bucket.count for bucket in stats.totals.buckets],
        },
        "trend": {
            "dates": [day.isoformat() for day in days],
            # None for a day without a snapshot: a gap in the line, not an invented number.
            "series": [
                {
                    "key": key,
                    "label": str(labels[key]),
                    "values": [points[day][key] if day in points else None for day in days],
                }
                for key in TREND_SERIES
            ],
        },
    }
    return {
        "stats": stats,
        # Newest first, for the table: (ISO date, shown date, the row's number cells).
        # Formatted here, a row's cells joined into one string: 90 rows of ten template
        # variables each cost more than the query behind them.
        "trend": [
            (
                day.isoformat(),
                date_format(day, "DATE_FORMAT"),
                format_html_join(
                    "",
                    '<td class="num">{}</td>',
                    ((points[day][key],) for key in (*TREND_SERIES, "active")),
                ),
            )
            for day in reversed(days)
            if day in points
        ],
        "trend_days": TREND_DAYS,
        "trend_series": [(key, labels[key]) for key in TREND_SERIES],
        "chart": chart,
        "updated_at": timezone.now(),
        "min_group_size": stats.by_department.min_size,
    }


@role_required(*DASHBOARD_VIEWERS)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = _dashboard_context(request)
    context["role"] = request_role(request)
    # Nobody to remind (no one invited is still to answer): no button.
    context["can_remind"] = context["role"] in REMINDER_SENDERS and context["stats"].totals.unanswered > 0
    return render(request, "dashboard/home.html", context)


@require_GET
def dashboard_live(request: HttpRequest) -> HttpResponseBase:
    """The numbers of the dashboard, re-fetched by htmx every few seconds."""
    if not request.user.is_authenticated and request.htmx:  # type: ignore[attr-defined]
        # Signed out (or the session ended) while watching: take the whole page to sign-in
        # instead of swapping the sign-in form into the dashboard.
        return HttpResponseClientRedirect(f"{reverse('login')}?next={reverse('dashboard:home')}")
    return _dashboard_live(request)


@role_required(*DASHBOARD_VIEWERS)
def _dashboard_live(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/_live.html", _dashboard_context(request))


@role_required(*REMINDER_SENDERS)
@require_POST
def reminders_send(request: HttpRequest) -> HttpResponse:
    """Remind, right away, everyone who has not answered (the same rules as the schedule,
    without the schedule: never twice in a day, never after an answer or expiry)."""
    due = reminders_request(actor=request.user)
    if due:
        messages.success(
            request,
            ngettext(
                "A reminder is on its way to %(count)d employee who has not answered.",
                "Reminders are on their way to %(count)d employees who have not answered.",
                due,
            )
            % {"count": due},
        )
    else:
        messages.info(
            request,
            _(
                "No reminders sent: everyone invited has answered, or was e-mailed in the last "
                "24 hours, or their link has expired."
            ),
        )
    return redirect("dashboard:home")
