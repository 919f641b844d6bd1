"""A status verified through a number the employee typed in waits for HR's review: it does not
count until approved, everywhere a progress is listed (dashboard, snapshots, directory,
exports, the employee's page, the employee's own pages)."""

from __future__ import annotations

import csv
import io

import pytest
from django_tenants.utils import schema_context

from portal.testing import host_client, signed_in
from verification.dashboard.selectors import dashboard_stats
from verification.dashboard.services import snapshot_take
from verification.models import Progress, StatusRecord
from verification.tests.employee_flow import (
    employee_now,
    verify_through_another_number,
)

pytestmark = pytest.mark.django_db


def test_awaiting_review_does_not_count_until_approved_everywhere_a_progress_is_listed(org_a):
    browser = host_client(org_a.host)
    v = verify_through_another_number(org_a, browser)
    row = employee_now(org_a, v)
    assert (row.progress, row.vaccination_status, row.status_verified_at) == (
        Progress.AWAITING_REVIEW,
        None,
        None,
    )
    with schema_context(org_a.schema_name):
        record = StatusRecord.objects.get(attempt=v.attempt)  # kept as evidence
        assert record.status == 2
        stats = dashboard_stats(min_group_size=1)
        assert stats.totals.counts["review"] == 1 and stats.totals.counts["fully"] == 0
        assert snapshot_take().counts["review"] == 1

    owner = signed_in(org_a)
    # Dashboard: its own bucket, and a way to the review list.
    home = owner.get("/").content.decode()
    assert 'data-bucket="review"' in home and "awaits your review" in home
    # Directory: the progress filter, the badge; no status shown; exports the same.
    listed = owner.get("/employees/", {"progress": "review", "q": row.code}).content.decode()
    assert "Awaiting HR review" in listed and "Number changed by the employee" in listed
    assert "<td>Fully vaccinated</td>" not in listed  # no status in the row
    by_status = owner.get("/employees/", {"status": "2", "q": row.code})
    assert list(by_status.context["employees"]) == []
    export = owner.get("/employees/export.csv", {"q": row.code})
    content = b"".join(export.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [(r["Progress"], r["Vaccination status"]) for r in rows] == [("Awaiting HR review", "")]
    # The employee's page says the number was changed, and that it awaits review.
    detail = owner.get(f"/employees/{row.pk}/").content.decode()
    assert "Number changed by the employee" in detail and "ending in 0001" in detail
    assert "does not count until it is approved" in detail
    # The employee, in the browser that verified: the status, and that HR will check it first.
    done = browser.get(f"/c/{v.token}/done/").content.decode()
    assert "Fully vaccinated" in done and 'data-review="pending"' in done
    my_data = browser.get(f"/c/{v.token}/my-data/").content.decode()
    assert "Awaiting HR review" in my_data and "awaiting your HR team's review, not counted yet" in my_data
