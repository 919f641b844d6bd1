"""The sandbox itself: where it is served, its inbox, its keys, its input handling."""

from __future__ import annotations

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.testing import host_client

pytestmark = pytest.mark.django_db


def test_inbox_json_is_newest_first_and_filters(sandbox):
    client = sandbox.client()
    client.request_otp(mobile="9000000001", full_name="Ravi Kumar")
    client.request_otp(mobile="+91 90000 00002", full_name="Priya Sharma")  # any common format
    messages = sandbox.inbox()
    assert [m["to"] for m in messages] == ["+919000000002", "+919000000001"]
    assert {m["kind"] for m in messages} == {"sms"}
    assert all({"to", "text", "time", "kind"} <= m.keys() for m in messages)
    assert [m["to"] for m in sandbox.inbox(to="+919000000001")] == ["+919000000001"]
    assert sandbox.inbox(kind="email") == []
    assert "Tika" in messages[0]["text"] and "CoWIN" in messages[0]["text"]


def test_inbox_page_shows_the_messages(sandbox):
    sandbox.client().request_otp(mobile="9000000011", full_name="Imran Khan")
    page = httpx.get(f"{sandbox.url}/sandbox/inbox/", timeout=10)
    assert page.status_code == 200
    assert "+919000000011" in page.text
    assert sandbox.last_otp("9000000011") in page.text


def test_jwks_publishes_the_signing_key(sandbox):
    keys = httpx.get(sandbox.jwks_url, timeout=10).json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "EC" and keys[0]["crv"] == "P-256" and keys[0]["alg"] == "ES256"
    assert "d" not in keys[0]  # never the private part


def test_the_three_calls_refuse_other_methods(sandbox):
    headers = {"x-api-key": sandbox.api_key}
    assert httpx.get(f"{sandbox.base_url}/api/v3/vaccination/generateOTP", headers=headers).status_code == 405
    assert httpx.post(f"{sandbox.base_url}/api/v3/vaccination/status", headers=headers).status_code == 405


def test_malformed_bodies_get_clear_errors(sandbox):
    headers = {"x-api-key": sandbox.api_key}
    url = f"{sandbox.base_url}/api/v3/vaccination/generateOTP"
    response = httpx.post(url, content=b"not json", headers=headers)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST"
    response = httpx.post(url, json={"mobile_number": "9000000001"}, headers=headers)
    assert response.json()["errorCode"] == "INVALID_REQUEST"


def test_sandbox_is_not_served_on_organization_sites(org_a):
    assert host_client(org_a.host).get("/sandbox/inbox.json").status_code == 404


def test_sandbox_answers_404_when_disabled(public_client, settings):
    assert public_client.get("/sandbox/inbox.json").status_code == 200
    settings.KYCVS_SANDBOX_ENABLED = False
    assert public_client.get("/sandbox/inbox.json").status_code == 404
    assert public_client.post("/sandbox/cowin/api/v3/vaccination/generateOTP").status_code == 404


def test_the_api_skips_the_page_middleware(public_client, django_assert_num_queries):
    """The CoWIN calls are answered without the stack pages need (SandboxApiMiddleware): no
    organization looked up (the only query a sandbox call made), no session, no CSRF check."""
    with django_assert_num_queries(0):
        response = public_client.post(
            "/sandbox/cowin/api/v3/vaccination/generateOTP",
            {"mobile_number": "9000000021", "full_name": "Ravi Kumar"},
            content_type="application/json",
            HTTP_X_API_KEY=settings.KYCVS_SANDBOX_API_KEY,
        )
        jwks = public_client.get("/sandbox/cowin/.well-known/jwks.json")
    assert response.status_code == 200 and response.json()["txnId"]
    assert jwks.status_code == 200 and jwks.json()["keys"]
    assert not response.cookies and "Vary" not in response  # nothing of sessions or locales
    # The security headers still come (the middleware sits after SecurityMiddleware).
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_rest_of_the_sandbox_still_goes_through_the_stack(public_client):
    with CaptureQueriesContext(connection) as queries:
        assert public_client.get("/sandbox/inbox.json").status_code == 200
    assert any("tenants_domain" in query["sql"] for query in queries)  # the site looked up by host
