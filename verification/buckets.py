"""The dashboard's buckets: where each active employee stands, exactly one bucket each.

``BUCKETS`` is the one table. Every count (ORM filters and the dashboard's SQL), snapshot
key, label and grouping (answered, no status on the way) derives from it; a new bucket is one
row here.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from verification.models import Progress, VaccinationStatus


@dataclass(frozen=True)
class Bucket:
    key: str  # also a key of DailySnapshot.counts
    label: Any  # lazy translation
    progress: tuple[Progress, ...]
    status: VaccinationStatus | None = None  # for the verified buckets
    answered: bool = True  # gave or declined consent (counts in the response rate)
    no_status: bool = False  # no status on record and none on the way

    def q(self) -> Q:
        """The bucket as an ORM filter."""
        q = Q(progress__in=[p.value for p in self.progress])
        return q & Q(vaccination_status=self.status.value) if self.status is not None else q

    def sql(self) -> str:
        """The bucket as a SQL condition on the employee table (constants only: no input)."""
        condition = "progress IN (" + ", ".join(f"'{p.value}'" for p in self.progress) + ")"
        if self.status is not None:
            condition += f" AND vaccination_status = {self.status.value}"
        return condition


# In the order they are shown.
BUCKETS: tuple[Bucket, ...] = (
    Bucket("fully", _("Fully vaccinated"), (Progress.VERIFIED,), VaccinationStatus.FULLY_VACCINATED),
    Bucket(
        "partially", _("Partially vaccinated"), (Progress.VERIFIED,), VaccinationStatus.PARTIALLY_VACCINATED
    ),
    Bucket("not_vaccinated", _("Not vaccinated"), (Progress.VERIFIED,), VaccinationStatus.NOT_VACCINATED),
    # Invited or consented, not verified yet ("consented" below is the answered part of it).
    Bucket("pending", _("Pending"), (Progress.INVITED, Progress.CONSENTED), answered=False),
    # Verified through a number the employee entered: not counted until HR approves it.
    Bucket("review", _("Awaiting HR review"), (Progress.AWAITING_REVIEW,)),
    Bucket("declined", _("Declined"), (Progress.DECLINED,), no_status=True),
    Bucket("withdrawn", _("Withdrawn"), (Progress.WITHDRAWN,), no_status=True),
    Bucket("failed", _("Verification failed"), (Progress.FAILED,), no_status=True),
    Bucket("not_invited", _("Not invited"), (Progress.NOT_INVITED,), answered=False, no_status=True),
)
#: Part of "pending" that did answer (consented, verifying): the response rate counts it.
CONSENTED = Bucket("consented", _("Consented, verifying"), (Progress.CONSENTED,))

BUCKET_KEYS = tuple(bucket.key for bucket in BUCKETS)
BUCKET_LABELS = {bucket.key: bucket.label for bucket in BUCKETS}
ANSWERED_KEYS = tuple(bucket.key for bucket in BUCKETS if bucket.answered)
NO_STATUS_KEYS = tuple(bucket.key for bucket in BUCKETS if bucket.no_status)
#: The buckets of a verified status (the ones a way to verify fills).
VERIFIED_KEYS = tuple(bucket.key for bucket in BUCKETS if bucket.status is not None)
BUCKET_FILTERS: dict[str, Q] = {bucket.key: bucket.q() for bucket in BUCKETS}
#: Every bucket as SQL, plus "consented" (for the response rate).
BUCKET_SQL: dict[str, str] = {bucket.key: bucket.sql() for bucket in (*BUCKETS, CONSENTED)}


def _any(*keys: str) -> Q:
    return reduce(operator.or_, (BUCKET_FILTERS[key] for key in keys))


#: The dashboard's headline figures as sets of active employees (the directory filters by them
#: too, so a figure's link lists exactly the people it counts): vaccinated (fully or
#: partially), invited (everyone but "not invited"), answered (gave or declined consent, or
#: consented and verifying: the response rate's numerator).
FIGURE_FILTERS: dict[str, Q] = {
    "vaccinated": _any("fully", "partially"),
    "invited": _any(*(key for key in BUCKET_KEYS if key != "not_invited")),
    "answered": _any(*ANSWERED_KEYS) | CONSENTED.q(),
}
#: Every set of employees the directory can be narrowed to from the dashboard.
SET_FILTERS: dict[str, Q] = {**BUCKET_FILTERS, **FIGURE_FILTERS}
SET_LABELS: dict[str, Any] = {
    **BUCKET_LABELS,
    "vaccinated": _("Vaccinated (fully or partially)"),
    "invited": _("Invited"),
    "answered": _("Answered the invitation"),
}
