"""Every URL of an organization's site, walked: across organizations and across roles.

New URL patterns are picked up automatically; a pattern this file does not know fails the
test until it is given an expectation below.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_tenants.utils import schema_context

from portal.testing import OrgFixture, signed_in
from tenants.members import Role
from tenants.tests.factories import StaffUserFactory
from verification.crypto import token_digest
from verification.models import (
    Employee,
    StaffInvitation,
    StatusRecord,
    VerificationAttempt,
    ViewCode,
)
from verification.tests.factories import (
    ConsentFactory,
    ImportJobFactory,
    InvitationFactory,
    StatusRecordFactory,
    VerificationAttemptFactory,
)

pytestmark = pytest.mark.django_db

# An id that exists in organization B and not in A (ids are per schema).
FOREIGN_ID = 987_654

# Pages anyone may open, signed in or not (they carry their own checks).
OPEN = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "account:join",
    # The new Owner's one-time sign-in ticket from sign-up (a bad one leads to the sign-in page).
    "account:welcome",
}
# The employee's pages, including the view code ones (consent:code, consent:code_send).
EMPLOYEE_LINK = re.compile(r"^consent:")
TWO_FACTOR = {"account:2fa_setup", "account:2fa_verify", "account:2fa_backup_codes"}
EVERY_ROLE = {"dashboard:home", "dashboard:live"} | TWO_FACTOR
OWNER_ONLY = re.compile(r"^account:(team|settings|audit)")
# The employee pages, imports, the review list and its approve / reject, printed invitation
# letters, the "remind everyone" button.
EMPLOYEE_MANAGERS = re.compile(r"^(employees|imports|review|letters):|^dashboard:remind_all$")
REVIEW_URLS = {
    "review:list",
    "review:approve",
    "review:reject",
}


def _patterns(patterns=None, prefix: str = "", namespace: str | None = None) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    for p in patterns if patterns is not None else get_resolver("portal.urls_tenants").url_patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
        elif isinstance(p, URLPattern):
            yield (f"{namespace}:{p.name}" if namespace else str(p.name)), prefix + str(p.pattern)


def _fill(pattern: str, token: str) -> str:
    path = re.sub(r"<int:\w+>", str(FOREIGN_ID), pattern)
    path = re.sub(r"<str:token>", token, path)
    path = path.replace("<uidb64>", "MTIz").replace("<token>", "set-password")
    return "/" + path


@pytest.fixture
def foreign_token(org_b: OrgFixture) -> dict[str, str]:
    """Organization B's own objects, at ids A does not have, and real links of B's: an
    employee, an import, a teammate, a pending team invitation, a verification through a
    changed number awaiting review (the review URLs' ``attempt_id``), an employee's consent
    link and a teammate's join link (by URL name; "" for the others)."""
    with schema_context(org_b.schema_name):
        employee = Employee.objects.create(
            pk=FOREIGN_ID, code="B-1", full_name="B Person", email="b@b.example"
        )
        ImportJobFactory.create(pk=FOREIGN_ID, filename="b.csv", content=b"")
        owner_b = User.objects.get(username=org_b.owner_email)
        User.objects.create_user(pk=FOREIGN_ID, username="mate@bravo.example", password="x-long-pass-1")
        join_token = "b-join-token-" + "x" * 30
        StaffInvitation.objects.create(
            pk=FOREIGN_ID,
            email="b-invitee@bravo.example",
            role=Role.VIEWER.value,
            token_hash=token_digest(join_token),
            invited_by=owner_b,
            expires_at=timezone.now() + timedelta(days=7),
        )
        invitation = InvitationFactory.create(employee=employee)
        consent = ConsentFactory.create(invitation=invitation)
        attempt = VerificationAttemptFactory.create(
            pk=FOREIGN_ID,
            consent=consent,
            mobile_changed=True,
            review=VerificationAttempt.Review.PENDING,
            finished_at=timezone.now(),
        )
        StatusRecordFactory.create(attempt=attempt)
        return {"account:join": join_token, "": invitation.token}


def test_every_url_of_b_is_not_found_from_a(org_a, org_b, foreign_token):
    owner_a = signed_in(org_a)
    for name, pattern in _patterns():
        if "<" not in pattern:
            continue
        path = _fill(pattern, foreign_token.get(name, foreign_token[""]))
        for method in ("get", "post"):
            response = getattr(owner_a, method)(path)
            allowed = (200, 302, 404, 405, 410) if name in OPEN else (302, 404, 405, 410)
            assert response.status_code in allowed, (name, method, path, response.status_code)
            if response.status_code == 302:  # only to a login or back to a page of A's own
                assert "/accounts/login/" in response["Location"] or name in OPEN, (
                    name,
                    method,
                    response["Location"],
                )
            assert b"B Person" not in response.content and b"b.csv" not in response.content
    with schema_context(org_b.schema_name):
        assert User.objects.get(pk=FOREIGN_ID).is_active
        assert Employee.objects.get(pk=FOREIGN_ID).is_active
        assert StaffInvitation.objects.get(pk=FOREIGN_ID).is_pending
        assert not User.objects.filter(username="b-invitee@bravo.example").exists()
        # B's verification awaiting review was neither approved nor rejected from A.
        assert VerificationAttempt.objects.get(pk=FOREIGN_ID).review == VerificationAttempt.Review.PENDING
        assert StatusRecord.objects.filter(attempt_id=FOREIGN_ID).exists()
        # B's link: no view code was asked for or sent from A's host.
        assert not ViewCode.objects.exists()


def test_the_matrix_knows_the_review_urls() -> None:
    names = {name for name, _pattern in _patterns()}
    assert names >= REVIEW_URLS | {"consent:code", "consent:code_send"}
    assert all(EMPLOYEE_MANAGERS.match(name) for name in REVIEW_URLS)


def _expected(name: str, role: Role) -> set[int]:
    if name in OPEN or EMPLOYEE_LINK.match(name):
        return {200, 302, 404, 405, 410}
    if name in EVERY_ROLE:
        return {200, 302}
    if OWNER_ONLY.match(name):
        return {200, 302, 405} if role == Role.OWNER else {403}
    if EMPLOYEE_MANAGERS.match(name):
        return {200, 302, 405} if role in (Role.OWNER, Role.HR_ADMIN) else {403}
    raise AssertionError(f"no expectation for the URL {name}: add it to test_url_matrix.py")


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix_over_every_url(org_a, role):
    email = f"{role.value}-matrix@alpha.example"
    with schema_context(org_a.schema_name):
        StaffUserFactory.create(email=email, full_name="M", password="x-long-pass-2", role=role)
        employee = Employee.objects.create(code="M-1", full_name="Matrix Person", email="m@a.example")
        job = ImportJobFactory.create(filename="m.csv", content=b"code,full name,email\n")
    client = signed_in(org_a, email)
    for name, pattern in _patterns():
        if name in ("logout", "account:2fa_setup", "account:2fa_verify") or name.endswith(
            ("_deactivate", "_role", "_reset_2fa")
        ):
            continue  # would end this session or change the user under test
        path = "/" + re.sub(
            r"<int:(\w+)>", lambda m: str(job.pk if "job" in m.group(1) else employee.pk), pattern
        )
        path = re.sub(r"<str:token>|<uidb64>|<token>", "x", path)
        response = client.get(path)
        status = response.status_code
        assert status in _expected(name, role), (role, name, path, status)
        _assert_security_headers(response, name)
        # Signed in: nothing a browser or proxy may keep (pages, redirects, fragments, 403s).
        cache_control = response.get("Cache-Control", "")
        assert "no-store" in cache_control and "private" in cache_control, (name, status, cache_control)
        if role == Role.VIEWER and status == 200:
            assert "Matrix Person" not in client.get(path).content.decode(), (
                name,
                "a Viewer must not see names",
            )


def _assert_security_headers(response, name: str) -> None:  # type: ignore[no-untyped-def]
    """Every page: CSP without unsafe-inline, no framing, nosniff; inline scripts carry the nonce."""
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, name
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff", name
    assert response.has_header("Referrer-Policy"), name
    if response.get("Content-Type", "").startswith("text/html") and not getattr(response, "streaming", False):
        nonce = re.search(r"'nonce-([^']+)'", csp)
        for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
            if "src=" in tag or 'type="application/json"' in tag:
                continue
            assert nonce and f'nonce="{nonce.group(1)}"' in tag, (name, tag)
