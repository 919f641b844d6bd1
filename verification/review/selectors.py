"""Reads of HR's review list."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from verification.models import (
    VerificationAttempt,
)


def _reviews_pending() -> QuerySet[VerificationAttempt]:
    return VerificationAttempt.objects.filter(
        review=VerificationAttempt.Review.PENDING,
        state=VerificationAttempt.State.VERIFIED,
        consent__withdrawn_at__isnull=True,
        status_record__isnull=False,
    )


def reviews_pending(*, limit: int = 200) -> list[VerificationAttempt]:
    """Verifications through a changed number that await HR's review, oldest first, each with
    its employee (two queries in all)."""
    return list(_reviews_pending().select_related("employee").order_by("finished_at", "pk")[:limit])


def access_review_attempt(attempt_id: int | str) -> VerificationAttempt:
    """A verification awaiting review in the current organization, or Http404: the same for a
    missing id, another organization's, or one no longer awaiting review."""
    try:
        pk = int(attempt_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    attempt = _reviews_pending().select_related("employee").filter(pk=pk).first()
    if attempt is None:
        raise Http404
    return attempt
