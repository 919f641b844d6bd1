"""Who may see an employee's status and data through the link (consent.access): the browser
that verified, or one that entered a fresh code from the e-mail; and for how long."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from portal.testing import host_client
from verification.consent.access import view_code_send
from verification.models import AuditEvent, Invitation, ViewCode
from verification.tests.employee_flow import (
    invited,
    verify_through_the_pages,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mailoutbox", "fresh_limits")]


def _secrets_of(v) -> list[str]:  # type: ignore[no-untyped-def]
    """What a browser holding only the link must not learn."""
    return [
        v.employee.full_name,
        v.employee.email,
        "Fully vaccinated",
        "ending in 0001",
        "0001",
        "Verified with CoWIN on",
    ]


def _send_code(org, client, v, *, next_page: str = "done") -> str:  # type: ignore[no-untyped-def]
    """Ask for a code through the page; e-mail it as the worker does; return it from the mail."""
    response = client.post(f"/c/{v.token}/code/send/", {"next": next_page})
    assert response.status_code == 302 and response["Location"] == f"/c/{v.token}/code/?next={next_page}"
    with schema_context(org.schema_name):
        view_code = ViewCode.objects.filter(invitation=v.invitation).latest("created_at")
        assert view_code_send(view_code_id=view_code.pk)
    message = mail.outbox[-1]
    assert message.to == [v.employee.email]  # the address on file, whoever asked
    match = re.search(r"\b(\d{6})\b", str(message.body))
    assert match, message.body
    return match.group(1)


def test_the_verifying_browser_sees_the_result_and_its_data(org_a):
    browser = host_client(org_a.host)
    v = verify_through_the_pages(org_a, browser)
    page = browser.get(f"/c/{v.token}/done/")
    body = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Fully vaccinated" in body and 'data-status="2"' in body
    my_data = browser.get(f"/c/{v.token}/my-data/")
    assert my_data.status_code == 200 and my_data["Cache-Control"] == "no-store"
    assert v.employee.email in my_data.content.decode()


def test_another_browser_with_only_the_link_learns_nothing_without_the_code(org_a):
    v = verify_through_the_pages(org_a, host_client(org_a.host))
    stranger = host_client(org_a.host)
    assert stranger.get(f"/c/{v.token}/")["Location"] == f"/c/{v.token}/done/"
    for path in ("done/", "my-data/", "code/"):
        response = stranger.get(f"/c/{v.token}/{path}")
        body = response.content.decode()
        assert response.status_code == 200 and response["Cache-Control"] == "no-store", path
        for secret in _secrets_of(v):
            assert secret not in body, (path, secret)
    shared = stranger.get(f"/c/{v.token}/done/").content.decode()
    assert "Your vaccination status has been shared" in shared and 'data-access="needs_code"' in shared
    # Two ways on: a code by e-mail (a POST), and withdrawal, which needs no code.
    assert f'action="/c/{v.token}/code/send/"' in shared and f'href="/c/{v.token}/withdraw/"' in shared
    with schema_context(org_a.schema_name):
        assert not AuditEvent.objects.filter(action="employee.data_summary_viewed", employee_id=v.employee.pk)


def test_a_right_code_shows_this_browser_the_status_and_data_for_a_while(org_a, settings):
    v = verify_through_the_pages(org_a, host_client(org_a.host))
    other = host_client(org_a.host)
    code = _send_code(org_a, other, v, next_page="my_data")
    assert code not in mail.outbox[-1].subject
    with schema_context(org_a.schema_name):
        stored = ViewCode.objects.get(invitation=v.invitation)
        assert stored.code is None and code not in stored.code_hash  # kept only as a keyed hash
    response = other.post(f"/c/{v.token}/code/", {"code": code, "next": "my_data"})
    assert response["Location"] == f"/c/{v.token}/my-data/"
    assert v.employee.email in other.get(f"/c/{v.token}/my-data/").content.decode()
    assert "Fully vaccinated" in other.get(f"/c/{v.token}/done/").content.decode()
    # The code is used up: another browser cannot reuse it.
    third = host_client(org_a.host)
    refused = third.post(f"/c/{v.token}/code/", {"code": code, "next": "done"})
    assert refused.status_code == 400 and "expired or was used up" in refused.content.decode()
    assert "Fully vaccinated" not in third.get(f"/c/{v.token}/done/").content.decode()
    # The grant lasts VIEW_CODE_GRANT_S.
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.VIEW_CODE_GRANT_S + 5)):
        assert "Fully vaccinated" not in other.get(f"/c/{v.token}/done/").content.decode()
    with schema_context(org_a.schema_name):
        actions = list(
            AuditEvent.objects.filter(employee_id=v.employee.pk, action__startswith="view_code.").values_list(
                "action", "data"
            )
        )
    assert [a for a, _ in actions].count("view_code.requested") == 1
    assert [a for a, _ in actions].count("view_code.used") == 1
    assert code not in str(actions)


def test_a_wrong_code_says_how_many_tries_remain_then_the_code_is_used_up(org_a, settings):
    v = verify_through_the_pages(org_a, host_client(org_a.host))
    other = host_client(org_a.host)
    code = _send_code(org_a, other, v)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in range(settings.VIEW_CODE_MAX_TRIES - 1, 0, -1):
        body = other.post(f"/c/{v.token}/code/", {"code": wrong, "next": "done"}).content.decode()
        expected = f"You have {left} more {'try' if left == 1 else 'tries'}."
        assert "That code is not right." in body and expected in body
    last = other.post(f"/c/{v.token}/code/", {"code": wrong, "next": "done"}).content.decode()
    assert "expired or was used up" in last
    # Even the right code no longer works: ask for a new one.
    assert "expired or was used up" in other.post(f"/c/{v.token}/code/", {"code": code}).content.decode()
    assert "Fully vaccinated" not in other.get(f"/c/{v.token}/done/").content.decode()
    with schema_context(org_a.schema_name):
        failed = AuditEvent.objects.filter(employee_id=v.employee.pk, action="view_code.failed").order_by(
            "id"
        )
        assert [e.data["tries_left"] for e in failed][:5] == [4, 3, 2, 1, 0]
        assert code not in str(list(failed.values_list("data", flat=True)))


def test_a_code_expires_after_ten_minutes_and_a_new_one_replaces_the_old(org_a):
    v = verify_through_the_pages(org_a, host_client(org_a.host))
    other = host_client(org_a.host)
    code = _send_code(org_a, other, v)
    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        body = other.post(f"/c/{v.token}/code/", {"code": code, "next": "done"}).content.decode()
    assert "expired or was used up" in body
    first, second = _send_code(org_a, other, v), _send_code(org_a, other, v)
    if first != second:  # (one chance in a million that they are the same)
        # The older code stopped working when the newer one was sent.
        assert "not right" in other.post(f"/c/{v.token}/code/", {"code": first}).content.decode()
    assert other.post(f"/c/{v.token}/code/", {"code": second, "next": "done"})["Location"] == (
        f"/c/{v.token}/done/"
    )


def test_codes_are_limited_per_employee_and_silently_per_address(org_a, settings):
    settings.VIEW_CODES_RATE = "2/hour"
    settings.VIEW_CODES_ADDRESS_RATE = "4/hour"
    v = verify_through_the_pages(org_a, host_client(org_a.host))
    other = host_client(org_a.host)
    for _ in range(2):
        assert other.post(f"/c/{v.token}/code/send/", {"next": "done"}).status_code == 302
    limited = other.post(f"/c/{v.token}/code/send/", {"next": "done"})
    assert limited.status_code == 429 and "Too many codes were sent" in limited.content.decode()
    with schema_context(org_a.schema_name):
        assert ViewCode.objects.filter(invitation=v.invitation).count() == 2

    # One address asking for many employees' codes (the three asks above counted too): it is
    # told they were sent, and past its limit nothing is.
    others = [invited(org_a, name=f"Person {n}", mobile=None) for n in range(2)]
    assert other.post(f"/c/{others[0].token}/code/send/", {"next": "my_data"}).status_code == 302
    silent = other.post(f"/c/{others[1].token}/code/send/", {"next": "my_data"})
    assert silent.status_code == 302 and silent["Location"].startswith(f"/c/{others[1].token}/code/")
    with schema_context(org_a.schema_name):
        assert ViewCode.objects.filter(invitation=others[0]).count() == 1
        assert not ViewCode.objects.filter(invitation=others[1]).exists()
        refused = AuditEvent.objects.get(action="view_code.requested", employee_id=others[1].employee_id)
        assert refused.data == {"invitation_id": others[1].pk, "sent": False, "refused": "address_limit"}


def test_the_link_stops_showing_the_status_some_days_after_its_last_use(org_a):
    browser = host_client(org_a.host)
    v = verify_through_the_pages(org_a, browser)
    organization = org_a.get()
    days = organization.link_view_days
    assert days == 30  # the default
    with schema_context(org_a.schema_name):
        last_use = Invitation.objects.get(pk=v.invitation.pk).last_used_at
    assert last_use is not None
    with time_machine.travel(last_use + timedelta(days=days - 1), tick=False):
        assert "Fully vaccinated" in browser.get(f"/c/{v.token}/done/").content.decode()  # a use
    with schema_context(org_a.schema_name):
        renewed = Invitation.objects.get(pk=v.invitation.pk).last_used_at
    assert renewed is not None and renewed > last_use
    with time_machine.travel(renewed + timedelta(days=days, seconds=1), tick=False):
        # Even the browser that verified is now asked for a fresh code, and told why.
        page = browser.get(f"/c/{v.token}/done/").content.decode()
        assert "Fully vaccinated" not in page and 'data-access="view_expired"' in page
        assert "not been used for more than 30 days" in page
        assert v.employee.email not in browser.get(f"/c/{v.token}/my-data/").content.decode()
        # Opening the link elsewhere does not count as a use.
        host_client(org_a.host).get(f"/c/{v.token}/done/")
        with schema_context(org_a.schema_name):
            assert Invitation.objects.get(pk=v.invitation.pk).last_used_at == renewed
        code = _send_code(org_a, browser, v)
        assert browser.post(f"/c/{v.token}/code/", {"code": code, "next": "done"}).status_code == 302
        assert "Fully vaccinated" in browser.get(f"/c/{v.token}/done/").content.decode()


def test_the_organization_sets_how_long_links_show_the_status(org_a):
    browser = host_client(org_a.host)
    v = verify_through_the_pages(org_a, browser)
    organization = org_a.get()
    organization.link_view_days = 7
    organization.save(update_fields=["link_view_days"])
    try:
        with time_machine.travel(timezone.now() + timedelta(days=8)):
            assert "not been used for more than 7 days" in browser.get(f"/c/{v.token}/done/").content.decode()
    finally:
        organization.link_view_days = 30
        organization.save(update_fields=["link_view_days"])


def test_uses_of_the_link_are_written_at_most_once_an_hour(org_a, settings):
    browser = host_client(org_a.host)
    v = verify_through_the_pages(org_a, browser)
    with schema_context(org_a.schema_name):
        first = Invitation.objects.get(pk=v.invitation.pk).last_used_at
    assert first is not None
    with time_machine.travel(first + timedelta(minutes=30)):
        browser.get(f"/c/{v.token}/done/")
        with schema_context(org_a.schema_name):
            assert Invitation.objects.get(pk=v.invitation.pk).last_used_at == first
    with time_machine.travel(first + timedelta(seconds=settings.LINK_USE_WRITE_INTERVAL_S + 1)):
        browser.get(f"/c/{v.token}/done/")
        with schema_context(org_a.schema_name):
            later = Invitation.objects.get(pk=v.invitation.pk).last_used_at
            assert later is not None and later > first


def test_withdrawal_needs_only_the_link_and_a_confirmed_csrf_protected_post(org_a):
    v = verify_through_the_pages(org_a, host_client(org_a.host))
    stranger = Client(HTTP_HOST=org_a.host, enforce_csrf_checks=True)
    confirm = stranger.get(f"/c/{v.token}/withdraw/")
    body = confirm.content.decode()
    assert confirm.status_code == 200 and "Withdraw your consent" in body
    for secret in _secrets_of(v):
        assert secret not in body

    def withdrawn() -> bool:
        with schema_context(org_a.schema_name):
            return Invitation.objects.get(pk=v.invitation.pk).consents.get().withdrawn_at is not None

    assert not withdrawn()  # the GET only asks
    assert stranger.post(f"/c/{v.token}/withdraw/").status_code == 403  # no CSRF token: refused
    assert not withdrawn()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert csrf
    assert stranger.post(f"/c/{v.token}/withdraw/", {"csrfmiddlewaretoken": csrf.group(1)}).status_code == 302
    assert withdrawn()


def test_new_employee_urls_of_another_organization_are_not_found(org_a, org_b):
    v = verify_through_the_pages(org_b, host_client(org_b.host))
    client_a = host_client(org_a.host)
    for method, path in (
        ("get", f"/c/{v.token}/code/"),
        ("post", f"/c/{v.token}/code/"),
        ("post", f"/c/{v.token}/code/send/"),
    ):
        response = getattr(client_a, method)(path, {"next": "done", "code": "123456"})
        assert response.status_code == 404, (method, path)
    with schema_context(org_b.schema_name):
        assert not ViewCode.objects.filter(invitation=v.invitation).exists()
        assert not AuditEvent.objects.filter(action__startswith="view_code.", employee_id=v.employee.pk)
