"""The organization's dashboard shell and staff sign-in."""

from __future__ import annotations

import pytest

from conftest import OWNER_PASSWORD, host_client, signed_in

pytestmark = pytest.mark.django_db


def test_home_requires_sign_in(org_a):
    response = host_client(org_a.host).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_owner_sees_dashboard_shell_of_own_organization(org_a):
    client = host_client(org_a.host)
    assert (
        client.post("/accounts/login/", {"username": "OWNER@alpha.example", "password": OWNER_PASSWORD})[
            "Location"
        ]
        == "/"
    )
    body = signed_in(org_a).get("/").content.decode()
    assert "Dashboard" in body
    assert "Alpha" in body and "Bravo" not in body
    assert "You are signed in as Owner" in body


def test_sign_out_ends_the_session(org_a):
    client = host_client(org_a.host)
    client.post("/accounts/login/", {"username": org_a.owner_email, "password": OWNER_PASSWORD})
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_login_page_names_the_organization(org_b):
    body = host_client(org_b.host).get("/accounts/login/").content.decode()
    assert "Sign in to Bravo" in body
