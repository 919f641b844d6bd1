"""The dashboard's numbers: counts, shares and response rate of active employees; small groups
merged into "Other" or hidden, never shown below the threshold."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from verification.buckets import BUCKET_KEYS
from verification.dashboard.selectors import dashboard_stats, merge_small_groups, status_counts
from verification.dashboard.tests.helpers import seed
from verification.models import Employee, Method, Progress, VaccinationStatus

pytestmark = pytest.mark.django_db


def test_counts_shares_and_response_rate(org_a):
    seed(
        org_a,
        [
            (4, "Ops", "Pune", Progress.VERIFIED, VaccinationStatus.FULLY_VACCINATED),
            (2, "Ops", "Pune", Progress.VERIFIED, VaccinationStatus.PARTIALLY_VACCINATED),
            (1, "Ops", "Pune", Progress.VERIFIED, VaccinationStatus.NOT_VACCINATED),
            (3, "Ops", "Pune", Progress.INVITED, None),
            (2, "Ops", "Pune", Progress.CONSENTED, None),
            (2, "Ops", "Pune", Progress.AWAITING_REVIEW, None),
            (1, "Ops", "Pune", Progress.DECLINED, None),
            (1, "Ops", "Pune", Progress.WITHDRAWN, None),
            (1, "Ops", "Pune", Progress.FAILED, None),
            (5, "Ops", "Pune", Progress.NOT_INVITED, None),
        ],
    )
    with schema_context(org_a.schema_name):
        # Inactive employees are out of every number.
        Employee.objects.filter(code="E0").update(is_active=False)
        stats = dashboard_stats(min_group_size=5)
        assert stats.totals == status_counts()

    totals = stats.totals
    assert totals.counts == {
        "fully": 3,
        "partially": 2,
        "not_vaccinated": 1,
        "pending": 5,
        "review": 2,
        "declined": 1,
        "withdrawn": 1,
        "failed": 1,
        "not_invited": 5,
    }
    assert totals.active == 21
    assert totals.invited == 16
    # Answered: gave (incl. the 2 still verifying and the 2 awaiting HR's review) or declined
    # consent; 3 have not answered. Awaiting review is not counted as vaccinated.
    assert totals.answered == 13
    assert totals.vaccinated == 5
    assert totals.response_rate == round(100 * 13 / 16, 1)
    assert totals.share("fully") == round(100 * 3 / 21, 1)
    assert sum(b.count for b in totals.buckets) == totals.active
    assert [b.key for b in totals.buckets] == list(BUCKET_KEYS)


def _counts(n: int, key: str = "fully") -> tuple[dict[str, int], int]:
    counts = dict.fromkeys(BUCKET_KEYS, 0)
    counts[key] = n
    return counts, 0


def test_small_groups_merge_into_other():
    breakdown = merge_small_groups(
        {"Sales": _counts(10), "Ops": _counts(6), "Legal": _counts(2), "HR": _counts(3)}, min_size=5
    )
    assert [(g.name, g.counts.active) for g in breakdown.groups] == [("Sales", 10), ("Ops", 6), ("Other", 5)]
    assert breakdown.groups[-1].is_other and breakdown.merged == 2
    assert not breakdown.hidden


def test_other_below_the_threshold_takes_in_the_smallest_group_too():
    # "Other" alone would hold 2 people; showing it, or hiding only it (total minus the rest),
    # would single them out. The smallest group joins it.
    breakdown = merge_small_groups({"Sales": _counts(10), "Ops": _counts(6), "Legal": _counts(2)}, min_size=5)
    assert [(g.name, g.counts.active) for g in breakdown.groups] == [("Sales", 10), ("Other", 8)]
    assert breakdown.merged == 2
    assert all(g.counts.active >= 5 for g in breakdown.groups)


def test_groups_are_hidden_when_they_cannot_be_shown_safely():
    # Everyone together is below the threshold: nothing per group.
    assert merge_small_groups({"A": _counts(2), "B": _counts(1)}, min_size=5).hidden
    # Only one group would be left ("Other" = the total): it says nothing new.
    only_other = merge_small_groups({"A": _counts(3), "B": _counts(4)}, min_size=5)
    assert only_other.hidden and not only_other.single_group
    # Everyone in one group: nothing to compare, and said so.
    one = merge_small_groups({"Pune": _counts(30)}, min_size=5)
    assert one.hidden and one.single_group
    # Every group shown, whatever the mix, has at least min_size people.
    sizes = {f"G{i}": _counts(i) for i in range(1, 12)}
    for min_size in range(1, 15):
        groups = merge_small_groups(sizes, min_size=min_size).groups
        assert all(g.counts.active >= min_size for g in groups)
        assert sum(g.counts.active for g in groups) in (0, sum(range(1, 12)))


def test_verified_employees_are_counted_by_the_way_they_verified(org_a):
    seed(
        org_a,
        [
            (3, "Ops", "Pune", Progress.VERIFIED, VaccinationStatus.FULLY_VACCINATED),
            (2, "Ops", "Pune", Progress.VERIFIED, VaccinationStatus.PARTIALLY_VACCINATED),
            (2, "Ops", "Pune", Progress.INVITED, None),
        ],
        prefix="M",
    )
    with schema_context(org_a.schema_name):
        # Two fully and one partially vaccinated by certificate, the rest by KYC-VS.
        codes = list(
            Employee.objects.filter(code__startswith="M").order_by("code").values_list("code", flat=True)
        )
        Employee.objects.filter(code__in=codes[:2]).update(status_method=Method.CERTIFICATE)
        Employee.objects.filter(code__in=[codes[3]]).update(status_method=Method.CERTIFICATE)
        Employee.objects.filter(code__in=[codes[2], codes[4]]).update(status_method=Method.KYCVS)
        stats = dashboard_stats(min_group_size=5)
    methods = {method: counts for method, _label, counts in stats.methods}
    assert (methods["certificate"]["fully"], methods["certificate"]["partially"]) == (2, 1)
    assert (methods["kycvs"]["fully"], methods["kycvs"]["partially"]) == (1, 1)
    assert [label for _m, label, _c in stats.methods] == [
        "Vaccination certificate",
        "One-time password from CoWIN",
    ]
    # The totals are unchanged by the extra grouping (still one query: test_views).
    assert stats.totals.counts["fully"] == 3 and stats.totals.counts["pending"] == 2
