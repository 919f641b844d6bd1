"""Two organizations never see each other: rows, logins, sessions, cache, admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.sessions.backends import cached_db
from django.core.cache import cache
from django_tenants.utils import schema_context

from portal.testing import OWNER_PASSWORD, host_client, signed_in

pytestmark = pytest.mark.django_db


def _login(client, email: str, password: str = OWNER_PASSWORD):
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_rows_written_in_a_are_invisible_in_b(org_a, org_b):
    with schema_context(org_a.schema_name):
        Group.objects.create(name="only-in-alpha")
        User.objects.create_user(username="hr@alpha.example")
    with schema_context(org_b.schema_name):
        assert not Group.objects.filter(name="only-in-alpha").exists()
        assert not User.objects.filter(username="hr@alpha.example").exists()
        assert list(User.objects.values_list("username", flat=True)) == [org_b.owner_email]
    with schema_context(org_a.schema_name):
        assert Group.objects.filter(name="only-in-alpha").exists()


def test_user_of_a_cannot_sign_in_on_b(org_a, org_b):
    response = _login(host_client(org_b.host), org_a.owner_email)
    assert response.status_code == 200
    assert "correct email and password" in response.content.decode()


def test_user_signs_in_on_own_subdomain(org_a):
    response = _login(host_client(org_a.host), org_a.owner_email)
    assert response.status_code == 302


def test_session_cookie_of_a_is_not_accepted_on_b(org_a, org_b):
    by_password = host_client(org_a.host)
    assert _login(by_password, org_a.owner_email).status_code == 302
    assert by_password.cookies["sessionid"]["domain"] == ""  # host-only cookie

    client_a = signed_in(org_a)
    session_cookie = client_a.cookies["sessionid"]
    assert client_a.get("/").status_code == 200
    # The session is read through the cache: its copy there is keyed by A's schema.
    cached = f"{cached_db.KEY_PREFIX}{session_cookie.value}"
    with schema_context(org_a.schema_name):
        assert cache.get(cached) is not None
    with schema_context(org_b.schema_name):
        assert cache.get(cached) is None

    client_b = host_client(org_b.host)
    client_b.cookies["sessionid"] = session_cookie.value
    response = client_b.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_cache_entries_of_a_are_not_visible_in_b(org_a, org_b):
    with schema_context(org_a.schema_name):
        cache.set("dashboard-numbers", {"fully": 10}, 30)
    with schema_context(org_b.schema_name):
        assert cache.get("dashboard-numbers") is None
        cache.set("dashboard-numbers", {"fully": 1}, 30)
    with schema_context(org_a.schema_name):
        assert cache.get("dashboard-numbers") == {"fully": 10}
        cache.delete("dashboard-numbers")
    with schema_context(org_b.schema_name):
        cache.delete("dashboard-numbers")


def test_unknown_subdomain_gets_a_friendly_404():
    response = host_client("nobody.localhost").get("/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "No organization here" in body
    assert "nobody.localhost" in body
    assert "Traceback" not in body


def test_unknown_path_on_an_organization_gets_the_404_page(org_a):
    response = host_client(org_a.host).get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/admin/tenants/organization/"])
def test_no_django_admin_on_organization_sites(org_a, path):
    assert host_client(org_a.host).get(path).status_code == 404


def test_organization_owner_cannot_use_platform_admin(org_a, public_client):
    response = public_client.post(
        "/admin/login/?next=/admin/", {"username": org_a.owner_email, "password": OWNER_PASSWORD}
    )
    assert response.status_code == 200  # the form again: no such user in the public schema
    assert public_client.get("/admin/").status_code == 302


def test_platform_staff_manage_organizations_in_public_admin(public_client):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    staff = User.objects.create_superuser("staff@tika.example", "staff@tika.example", "staff-pass-123456")
    public_client.force_login(staff)
    # The admin wants the second factor too (tenants/tests/test_admin.py signs in for real).
    session = public_client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.create(user=staff, confirmed=True).persistent_id
    session.save()
    listing = public_client.get("/admin/tenants/organization/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "Alpha" in body and "Bravo" in body
    assert public_client.get("/admin/tenants/domain/").status_code == 200
