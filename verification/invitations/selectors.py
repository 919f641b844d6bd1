"""Reads of invitations: the one way an employee's link reaches its invitation."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.http import Http404

from verification.crypto import token_digest
from verification.models import Consent, Invitation


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
        .annotate(has_consent=Exists(Consent.objects.filter(invitation=OuterRef("pk"))))
        .filter(token_hash=token_digest(token))
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation
