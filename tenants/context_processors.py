from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def organization(request: HttpRequest) -> dict[str, Any]:
    """The organization whose subdomain served this request (None on the public site)."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or not tenant.is_customer:
        return {"organization": None}
    return {"organization": tenant}
