"""Template context of the staff pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from verification.account.permissions import StaffAccess


def staff_access(request: HttpRequest) -> dict[str, Any]:
    """``staff_access``: what the signed-in staff user may do on this organization's site."""
    return {"staff_access": StaffAccess(request)}
