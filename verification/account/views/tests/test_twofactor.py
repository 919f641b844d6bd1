"""Two-factor sign-in: mandatory for Owners and HR Admins, backup codes, lockout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from portal.testing import OWNER_PASSWORD, host_client
from tenants.tests.factories import StaffUserFactory
from verification.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("two_factor_on")]


def _code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:06d}"


def _sign_in(client, email: str, password: str = OWNER_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": email, "password": password})


def _enrol(client, org) -> list[str]:  # type: ignore[no-untyped-def]
    page = client.get("/account/2fa/setup/?next=/")
    assert "<svg" in page.content.decode()
    with schema_context(org.schema_name):
        device = TOTPDevice.objects.get(user__username=org.owner_email, confirmed=False)
    response = client.post("/account/2fa/setup/", {"code": _code(device), "next": "/"})
    assert response["Location"] == "/account/2fa/backup-codes/?next=/"
    codes = re.findall(r"<code>(\w+)</code>", client.get(response["Location"]).content.decode())
    assert len(codes) == 10
    return codes


def test_owner_must_enrol_before_any_staff_page(org_a):
    client = host_client(org_a.host)
    assert _sign_in(client, org_a.owner_email)["Location"] == "/"
    response = client.get("/")
    assert response["Location"] == "/account/2fa/setup/?next=/"
    before = client.cookies["sessionid"].value
    _enrol(client, org_a)
    assert client.cookies["sessionid"].value != before  # a new session key after the second factor
    assert client.get("/").status_code == 200
    with schema_context(org_a.schema_name):
        assert AuditEvent.objects.filter(action="2fa.enrolled").exists()


def test_the_qr_code_names_the_organization(org_a):
    client = host_client(org_a.host)
    _sign_in(client, org_a.owner_email)
    client.get("/account/2fa/setup/")
    with schema_context(org_a.schema_name):
        device = TOTPDevice.objects.get(user__username=org_a.owner_email, confirmed=False)
        assert device.config_url.startswith("otpauth://totp/Alpha%20%28Tika%29%3A")


def test_backup_codes_are_shown_once_and_work_once(org_a):
    client = host_client(org_a.host)
    _sign_in(client, org_a.owner_email)
    codes = _enrol(client, org_a)
    assert "<code>" not in client.get("/account/2fa/backup-codes/").content.decode()  # not again

    for _ in range(2):
        other = host_client(org_a.host)
        _sign_in(other, org_a.owner_email)
        assert other.get("/")["Location"] == "/account/2fa/verify/?next=/"
        response = other.post("/account/2fa/verify/", {"code": codes[0], "next": "/"})
        if _ == 0:
            assert response["Location"] == "/"
            assert other.get("/").status_code == 200
        else:
            assert response.status_code == 200 and "not right" in response.content.decode()


def test_a_new_code_from_the_app_verifies_a_later_session(org_a):
    client = host_client(org_a.host)
    _sign_in(client, org_a.owner_email)
    _enrol(client, org_a)
    with time_machine.travel(timezone.now() + timedelta(seconds=60)):
        other = host_client(org_a.host)
        _sign_in(other, org_a.owner_email)
        with schema_context(org_a.schema_name):
            device = TOTPDevice.objects.get(user__username=org_a.owner_email, confirmed=True)
        assert other.post("/account/2fa/verify/", {"code": _code(device), "next": "/"})["Location"] == "/"


def test_wrong_codes_lock_out_and_are_audited_without_the_code(org_a):
    client = host_client(org_a.host)
    _sign_in(client, org_a.owner_email)
    codes = _enrol(client, org_a)
    other = host_client(org_a.host)
    _sign_in(other, org_a.owner_email)
    statuses = [other.post("/account/2fa/verify/", {"code": "000000"}).status_code for _ in range(4)]
    assert statuses[0] == 200 and statuses[-1] == 429
    locked = other.post("/account/2fa/verify/", {"code": codes[0]})
    assert locked.status_code == 429 and "Too many wrong codes" in locked.content.decode()
    with schema_context(org_a.schema_name):
        failures = AuditEvent.objects.filter(action="2fa.failed")
        assert failures.count() >= 4
        assert all("000000" not in str(e.data) for e in failures)


def test_viewers_are_not_forced(org_a):
    with schema_context(org_a.schema_name):
        StaffUserFactory.create(
            email="viewer@alpha.example", full_name="V", password=OWNER_PASSWORD, role="viewer"
        )
    client = host_client(org_a.host)
    _sign_in(client, "viewer@alpha.example")
    assert client.get("/").status_code == 200


def test_second_factor_of_one_organization_means_nothing_in_another(org_a, org_b):
    client = host_client(org_a.host)
    _sign_in(client, org_a.owner_email)
    _enrol(client, org_a)
    with schema_context(org_b.schema_name):
        assert not TOTPDevice.objects.exists()
        assert not User.objects.filter(username=org_a.owner_email).exists()
    response = host_client(org_b.host).get("/account/2fa/verify/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _stale_session(org):  # type: ignore[no-untyped-def]
    """A session that signed in with password and app code, enrolled, and then sat for 11
    minutes (longer than a code counts as just entered, shorter than the idle limit)."""
    client = host_client(org.host)
    _sign_in(client, org.owner_email)
    codes = _enrol(client, org)
    with schema_context(org.schema_name):
        old = TOTPDevice.objects.get(user__username=org.owner_email, confirmed=True)
    return client, codes, old


def test_replacing_the_authenticator_needs_a_current_code(org_a):
    client, codes, old = _stale_session(org_a)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        page = client.get("/account/2fa/setup/?next=/")
        assert page.status_code == 200
        body = page.content.decode()
        assert "<svg" not in body and 'name="current_code"' in body  # no new secret before the code
        # Someone holding only the session tries to confirm a device of their own: refused.
        with schema_context(org_a.schema_name):
            pending = TOTPDevice.objects.filter(user__username=org_a.owner_email, confirmed=False)
            assert not pending.exists()
        wrong = client.post("/account/2fa/setup/", {"current_code": "000000", "next": "/"})
        assert wrong.status_code == 200 and "not right" in wrong.content.decode()
        assert "<svg" not in wrong.content.decode()
        with schema_context(org_a.schema_name):
            assert AuditEvent.objects.filter(action="2fa.failed", data__step="reauth").exists()

    with time_machine.travel(timezone.now() + timedelta(minutes=11, seconds=40)):
        right = client.post("/account/2fa/setup/", {"current_code": _code(old), "next": "/"})
        assert right.status_code == 302 and right["Location"].startswith("/account/2fa/setup/")
        assert "<svg" in client.get(right["Location"]).content.decode()
        with schema_context(org_a.schema_name):
            new = TOTPDevice.objects.get(user__username=org_a.owner_email, confirmed=False)
            assert AuditEvent.objects.filter(action="2fa.reauthenticated", data__device="app").exists()
        done = client.post("/account/2fa/setup/", {"code": _code(new), "next": "/"})
        assert done["Location"] == "/account/2fa/backup-codes/?next=/"
        with schema_context(org_a.schema_name):
            (current,) = TOTPDevice.objects.filter(user__username=org_a.owner_email, confirmed=True)
            assert current.pk == new.pk  # the old authenticator is gone
    assert len(codes) == 10


def test_new_backup_codes_need_a_current_code(org_a):
    client, codes, _ = _stale_session(org_a)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        page = client.get("/account/2fa/backup-codes/")
        assert 'name="current_code"' in page.content.decode()
        refused = client.post("/account/2fa/backup-codes/")
        assert refused.status_code == 200 and "<code>" not in refused.content.decode()
        with schema_context(org_a.schema_name):
            assert not AuditEvent.objects.filter(action="2fa.backup_codes_generated").count() > 1
        made = client.post("/account/2fa/backup-codes/", {"current_code": codes[0]})
        assert made.status_code == 302
        fresh = re.findall(r"<code>(\w+)</code>", client.get("/account/2fa/backup-codes/").content.decode())
        assert len(fresh) == 10 and not set(fresh) & set(codes)
        with schema_context(org_a.schema_name):
            assert AuditEvent.objects.filter(action="2fa.reauthenticated", data__device="backup").exists()
            assert AuditEvent.objects.filter(action="2fa.backup_codes_generated").count() == 2


def test_right_after_a_code_no_second_one_is_asked(org_a):
    client = host_client(org_a.host)
    _sign_in(client, org_a.owner_email)
    codes = _enrol(client, org_a)  # a code was just entered
    response = client.post("/account/2fa/backup-codes/")
    assert response.status_code == 302
    fresh = re.findall(r"<code>(\w+)</code>", client.get("/account/2fa/backup-codes/").content.decode())
    assert len(fresh) == 10 and not set(fresh) & set(codes)


def test_confirming_it_is_you_is_throttled_like_the_sign_in(org_a):
    client, codes, _ = _stale_session(org_a)
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        statuses = [
            client.post("/account/2fa/backup-codes/", {"current_code": "000000"}).status_code
            for _ in range(4)
        ]
        assert statuses[0] == 200 and statuses[-1] == 429
        locked = client.post("/account/2fa/backup-codes/", {"current_code": codes[1]})
        assert locked.status_code == 429 and "Too many wrong codes" in locked.content.decode()
    with schema_context(org_a.schema_name):
        assert AuditEvent.objects.filter(action="2fa.failed", data__step="reauth-locked").exists()


def test_setting_up_shows_no_links_that_do_not_open_yet_and_a_numeric_keypad_for_the_app(org_a):
    client = host_client(org_a.host)
    _sign_in(client, org_a.owner_email)
    page = client.get("/account/2fa/setup/?next=/").content.decode()
    nav = page[page.index("<nav") : page.index("</nav>")]
    for link in ('href="/"', "/employees/", "/account/team/", "/account/settings/", "/account/audit/"):
        assert link not in nav
    assert "Sign out" in nav
    field = re.search(r'<input[^>]*name="code"[^>]*>', page)
    assert field and 'inputmode="numeric"' in field.group(0)  # the app's 6 digits only


def test_backup_codes_can_be_downloaded_and_copied_and_typed_on_a_full_keyboard(org_a):
    from urllib.parse import unquote

    client = host_client(org_a.host)
    _sign_in(client, org_a.owner_email)
    assert client.get("/account/2fa/setup/?next=/").status_code == 200
    with schema_context(org_a.schema_name):
        device = TOTPDevice.objects.get(user__username=org_a.owner_email, confirmed=False)
    client.post("/account/2fa/setup/", {"code": _code(device), "next": "/"})
    page = client.get("/account/2fa/backup-codes/?next=/").content.decode()
    codes = re.findall(r"<code>(\w+)</code>", page)
    download = re.search(
        r'<a [^>]*href="data:text/plain;charset=utf-8,([^"]+)" download="tika-backup-codes.txt"', page
    )
    assert download
    text = unquote(download.group(1))
    assert all(code in text.split("\r\n") for code in codes) and "Alpha" in text
    assert 'data-copy="backup-codes"' in page and 'id="backup-codes"' in page and "copy.js" in page
    # Signing in again: the field takes letters too (a backup code), not a numeric keypad.
    other = host_client(org_a.host)
    _sign_in(other, org_a.owner_email)
    verify = other.get("/account/2fa/verify/?next=/").content.decode()
    field = re.search(r'<input[^>]*name="code"[^>]*>', verify)
    assert field and 'inputmode="text"' in field.group(0) and 'autocapitalize="none"' in field.group(0)
    assert 'spellcheck="false"' in field.group(0)
    nav = verify[verify.index("<nav") : verify.index("</nav>")]
    assert "/employees/" not in nav and 'href="/"' not in nav


def test_every_page_has_a_skip_link_and_a_favicon(org_a):
    page = host_client(org_a.host).get("/accounts/login/").content.decode()
    assert '<a class="skip-link" href="#content">' in page and 'id="content"' in page
    assert page.index("skip-link") < page.index("<header")
    assert 'rel="icon" href="/static/favicon.svg"' in page
