"""Reads of invitations: the one way an employee's link reaches its invitation."""

from __future__ import annotations

from django.http import Http404

from verification.crypto import token_digest
from verification.models import Invitation


def access_invitation(token: str) -> Invitation:
    """The invitation behind a link token, in the current organization; 404 otherwise.

    Any token (another organization's, a tampered one) gives the same "not found".
    """
    if not token or len(token) > 100:
        raise Http404
    invitation = Invitation.objects.select_related("employee").filter(token_hash=token_digest(token)).first()
    if invitation is None:
        raise Http404
    return invitation
