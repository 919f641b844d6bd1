"""Reads of invitations: the one way an employee's link reaches its invitation."""

from __future__ import annotations

import functools

from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.http import Http404

from portal.sql import column, table
from verification.crypto import token_digest
from verification.models import Consent, Invitation


@functools.cache
def _has_consent_sql() -> str:
    """Whether any consent was recorded through the invitation, as SQL written once: built
    through the ORM (``Exists`` of an ``OuterRef``) it cost more to compile than to run, on
    every employee page."""
    # Identifiers from the models, quoted; nothing here comes from a request.
    return (
        f"EXISTS (SELECT 1 FROM {table(Consent)}"  # noqa: S608
        f" WHERE {column(Consent, 'invitation')} = {column(Invitation, 'id')})"
    )


def access_invitation(token: str) -> Invitation:
    """The invitation behind a link token, in the current organization; 404 otherwise.

    Any token (another organization's, a tampered one) gives the same "not found".
    """
    if not token or len(token) > 100:
        raise Http404
    # Whether any consent was recorded through it comes along (an index probe): before the
    # employee answers, the journey then needs no query for their consent (consent.selectors).
    invitation = (
        Invitation.objects.select_related("employee")
        .annotate(has_consent=RawSQL(_has_consent_sql(), [], output_field=BooleanField()))  # noqa: S611
        .filter(token_hash=token_digest(token))
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation
