"""Security headers on every kind of page (public, sign-in, employee link, staff, unknown
site), and no inline script without the CSP nonce."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from portal.testing import host_client, signed_in
from verification.tests.factories import EmployeeFactory, InvitationFactory

pytestmark = pytest.mark.django_db


def _pages(org_a) -> list[tuple[Client, str]]:  # type: ignore[no-untyped-def]
    with schema_context(org_a.schema_name):
        invitation = InvitationFactory.create(
            employee=EmployeeFactory.create(code="SEC-1", full_name="A B", email="a@b.example")
        )
    owner = signed_in(org_a)
    public = host_client("localhost")
    employee = host_client(org_a.host)
    return [
        (public, "/"),
        (public, "/signup/"),
        (public, "/admin/login/"),
        (host_client(org_a.host), "/accounts/login/"),
        (employee, f"/c/{invitation.token}/"),
        (owner, "/"),
        (owner, "/employees/"),
        (host_client("nobody.localhost"), "/"),
    ]


def test_every_page_carries_the_security_headers_and_no_inline_script_without_nonce(org_a):
    for client, path in _pages(org_a):
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        csp = response["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, path
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] in ("same-origin", "no-referrer")
        nonce = re.search(r"'nonce-([^']+)'", csp)
        for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
            if "src=" in tag or 'type="application/json"' in tag:
                continue
            assert nonce and f'nonce="{nonce.group(1)}"' in tag, (path, tag)
        assert not re.search(r"<[a-z]+[^>]*\sstyle=", response.content.decode()), path  # style-src 'self'
