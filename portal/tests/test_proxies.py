"""The client's address and scheme behind a reverse proxy: X-Forwarded-* only via TRUSTED_PROXIES."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django_tenants.utils import schema_context

from portal.proxies import client_ip
from portal.testing import OWNER_PASSWORD, signed_in
from tenants.members import Role
from tenants.tests.factories import StaffUserFactory
from verification.models import AuditEvent

PROXY = "10.0.0.5"


def _ip(remote: str, forwarded: str | None = None) -> str | None:
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


def test_without_trusted_proxies_the_header_means_nothing(settings):
    settings.TRUSTED_PROXIES = []
    assert _ip("203.0.113.9", "198.51.100.1") == "203.0.113.9"


def test_an_untrusted_peer_cannot_name_another_client(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert _ip("203.0.113.9", "198.51.100.1") == "203.0.113.9"


def test_from_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client(settings):
    settings.TRUSTED_PROXIES = [PROXY, "172.16.0.0/12"]
    assert _ip(PROXY, "198.51.100.1") == "198.51.100.1"
    # What the client wrote itself (left) is ignored; the proxies' own hops (right) are skipped.
    assert _ip(PROXY, "1.1.1.1, 198.51.100.1, 172.16.4.4") == "198.51.100.1"
    assert _ip(PROXY, "1.1.1.1,198.51.100.1") == "198.51.100.1"
    assert _ip(PROXY, "198.51.100.1:4711") == "198.51.100.1"
    assert _ip(PROXY, "[2001:db8::7]:443") == "2001:db8::7"
    assert _ip(PROXY, "2001:db8::7") == "2001:db8::7"
    # Nothing or garbage after the trusted hops: as far as we know, the last trusted hop.
    assert _ip(PROXY, "") == PROXY
    assert _ip(PROXY, "not-an-address, 172.16.4.4") == "172.16.4.4"
    assert _ip(PROXY) == PROXY


# --- the lockout (django-axes) --------------------------------------------------------------


def _fail(org, remote: str, forwarded: str | None, email: str) -> int:  # type: ignore[no-untyped-def]
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    client = Client(HTTP_HOST=org.host, **extra)
    return client.post("/accounts/login/", {"username": email, "password": "wrong-password"}).status_code


def _sign_in(org, remote: str, forwarded: str | None, email: str) -> int:  # type: ignore[no-untyped-def]
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    client = Client(HTTP_HOST=org.host, **extra)
    return client.post("/accounts/login/", {"username": email, "password": OWNER_PASSWORD}).status_code


@pytest.fixture
def viewer_email(org_a) -> str:  # type: ignore[no-untyped-def]
    email = f"lock-{uuid.uuid4().hex[:8]}@alpha.example"
    with schema_context(org_a.schema_name):
        StaffUserFactory.create(email=email, full_name="L", password=OWNER_PASSWORD, role=Role.VIEWER)
    return email


@pytest.mark.django_db
def test_a_spoofed_header_neither_dodges_nor_aims_the_lockout(org_a, settings, viewer_email):
    settings.TRUSTED_PROXIES = [PROXY]
    attacker, victim = "203.0.113.66", "198.51.100.20"
    # A fresh X-Forwarded-For on every guess does not give the attacker fresh tries...
    for n in range(5):
        _fail(org_a, attacker, f"192.0.2.{n + 1}", viewer_email)
    assert _sign_in(org_a, attacker, "192.0.2.99", viewer_email) == 429
    with schema_context(org_a.schema_name):
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {attacker}
    # ... and naming the victim's address did not lock the victim out.
    assert _sign_in(org_a, victim, None, viewer_email) == 302


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_lockout_keys_on_the_client_not_the_proxy(org_a, settings, viewer_email):
    settings.TRUSTED_PROXIES = [PROXY]
    guesser, colleague = "203.0.113.7", "198.51.100.8"
    for _ in range(5):
        _fail(org_a, PROXY, guesser, viewer_email)
    assert _sign_in(org_a, PROXY, guesser, viewer_email) == 429
    # Everybody reaches us through the proxy: someone else at another address still signs in.
    assert _sign_in(org_a, PROXY, colleague, viewer_email) == 302
    with schema_context(org_a.schema_name):
        assert AccessAttempt.objects.filter(ip_address=guesser).exists()
        assert not AccessAttempt.objects.filter(ip_address=PROXY).exists()


# --- the scheme (SECURE_PROXY_SSL_HEADER) ---------------------------------------------------


@pytest.mark.django_db
def test_x_forwarded_proto_counts_only_from_a_trusted_proxy(org_a, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    spoofed = Client(HTTP_HOST=org_a.host, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    response = spoofed.get("/accounts/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    proxied = Client(HTTP_HOST=org_a.host, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert proxied.get("/accounts/login/").status_code == 200


# --- everything else that reads the client's address ----------------------------------------


@pytest.mark.django_db
def test_exports_audit_the_client_behind_the_proxy(org_a, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    owner = signed_in(org_a)
    owner.get("/employees/export.csv", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.30")
    owner.get("/employees/export.csv", REMOTE_ADDR="203.0.113.1", HTTP_X_FORWARDED_FOR="198.51.100.31")
    with schema_context(org_a.schema_name):
        ips = list(
            AuditEvent.objects.filter(action="export.downloaded")
            .order_by("id")
            .values_list("ip_address", flat=True)
        )
    assert ips[-2:] == ["198.51.100.30", "203.0.113.1"]


@pytest.mark.django_db
def test_the_sign_up_limit_counts_the_client_behind_the_proxy(public_client, settings):
    from django.core.cache import cache

    from tenants.views import signup_rate_key

    settings.TRUSTED_PROXIES = [PROXY]
    request = RequestFactory().post("/signup/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.40")
    assert signup_rate_key(request) == "signup-rate:198.51.100.40"
    cache.delete(signup_rate_key(request))
