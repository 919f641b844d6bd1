"""Staff session rules: sessions end after 30 idle minutes and 12 hours after sign-in; every
response to a signed-in request is no-store, static files and anonymous pages keep theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_tenants.utils import schema_context

from portal.testing import OWNER_PASSWORD, data_queries, host_client, signed_in
from tenants.members import Role
from tenants.tests.factories import StaffUserFactory
from verification.account.middleware import OTPMiddleware
from verification.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def _viewer(org_a):  # type: ignore[no-untyped-def]
    with schema_context(org_a.schema_name):
        StaffUserFactory.create(
            email="viewer@alpha.example", full_name="V", password=OWNER_PASSWORD, role=Role.VIEWER
        )
    client = host_client(org_a.host)
    assert (
        client.post(
            "/accounts/login/", {"username": "viewer@alpha.example", "password": OWNER_PASSWORD}
        ).status_code
        == 302
    )
    return client


def test_session_ends_after_30_idle_minutes_and_polling_does_not_count(org_a):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = _viewer(org_a)
        assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=20))
        assert client.get("/", HTTP_X_TIKA_POLL="1").status_code == 200  # a poll: not activity
        clock.shift(timedelta(minutes=11))
        response = client.get("/")
        assert response.status_code == 302 and "expired=1" in response["Location"]
        assert client.get("/").status_code == 302  # signed out


def test_session_ends_12_hours_after_sign_in_however_active(org_a):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = _viewer(org_a)
        for _ in range(25):  # active every 29 minutes
            clock.shift(timedelta(minutes=29))
            if client.get("/").status_code != 200:
                break
        assert timezone.now().timestamp() - start.timestamp() <= 12 * 3600 + 29 * 60
        assert client.get("/").status_code == 302


def _no_store(response) -> bool:  # type: ignore[no-untyped-def]
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_every_response_to_a_signed_in_request_is_no_store(org_a):
    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create(code="NS-1", full_name="No Store", email="ns@alpha.example")
    owner = signed_in(org_a)
    for path in ("/employees/", f"/employees/{employee.pk}/", "/account/audit/", "/account/2fa/setup/"):
        response = owner.get(path)
        assert response.status_code == 200, path
        assert _no_store(response), (path, response.get("Cache-Control"))
    fragment = owner.get("/dashboard/live/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and _no_store(fragment)
    redirect = owner.post(f"/employees/{employee.pk}/deactivate/", {"confirmed": "1"})
    assert redirect.status_code == 302 and _no_store(redirect)
    # Signing in: the answer to the sign-in itself; signing out: the last answer of the session.
    signing_in = host_client(org_a.host).post(
        "/accounts/login/", {"username": org_a.owner_email, "password": OWNER_PASSWORD}
    )
    assert signing_in.status_code == 302 and _no_store(signing_in)
    assert _no_store(owner.post("/accounts/logout/"))


def test_static_files_and_anonymous_pages_keep_their_own_caching(org_a):
    owner = signed_in(org_a)
    static = owner.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.get("Cache-Control", "")
    assert "no-store" not in host_client("localhost").get("/").get("Cache-Control", "")


def _second_factor(user, persistent_id: str | None):  # type: ignore[no-untyped-def]
    """What OTPMiddleware makes of a session holding ``persistent_id``: the device (or None),
    whether the session still holds an id, and the queries it took."""
    request = RequestFactory().get("/")
    request.session = {} if persistent_id is None else {DEVICE_ID_SESSION_KEY: persistent_id}  # type: ignore[assignment]
    request.user = user
    seen = {}

    def view(request):  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as queries:
            seen["device"] = request.user.otp_device
            seen["verified"] = request.user.is_verified()
        seen["queries"] = data_queries(queries)
        return HttpResponse()

    OTPMiddleware(view)(request)
    return seen["device"], seen["verified"], DEVICE_ID_SESSION_KEY in request.session, seen["queries"]


def test_the_second_factor_is_the_members_own_confirmed_device_in_one_query(org_a, org_b):
    with schema_context(org_a.schema_name):
        owner = StaffUserFactory.create(email="o@alpha.example", role=Role.OWNER)
        other = StaffUserFactory.create(email="x@alpha.example", role=Role.HR_ADMIN)
        own = StaticDevice.objects.create(user=owner, name="backup", confirmed=True)
        theirs = StaticDevice.objects.create(user=other, name="backup", confirmed=True)
        pending = StaticDevice.objects.create(user=owner, name="new", confirmed=False)

        device, verified, kept, queries = _second_factor(owner, own.persistent_id)
        assert device == own and verified and kept
        assert len(queries) == 1
        # A teammate's device, one not confirmed yet: not passed, and forgotten by the session.
        for persistent_id in (theirs.persistent_id, pending.persistent_id):
            device, verified, kept, _ = _second_factor(owner, persistent_id)
            assert device is None and not verified and not kept
        # Ids that name no device: not passed, no error.
        for persistent_id in (
            "otp_static.staticdevice/999999",
            "otp_static.staticdevice/abc",
            "auth.user/1",
            "nope.nothing/1",
            "no-slash",
        ):
            device, verified, kept, _ = _second_factor(owner, persistent_id)
            assert device is None and not verified and not kept, persistent_id
        assert _second_factor(owner, None)[:2] == (None, False)

    with schema_context(org_b.schema_name):
        # The same id in another organization is that organization's device, not the owner's.
        stranger = StaffUserFactory.create(email="s@bravo.example", role=Role.OWNER)
        StaticDevice.objects.filter(user=stranger).delete()
        device, verified, _, _ = _second_factor(stranger, own.persistent_id)
        assert not verified
