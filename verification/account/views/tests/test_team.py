"""The staff team: invitations to join, roles, deactivation, two-factor resets."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_tenants.utils import schema_context

from portal.testing import OWNER_PASSWORD, host_client, signed_in
from tenants.members import Role, member_role
from tenants.tests.factories import StaffUserFactory
from verification.models import AuditEvent, StaffInvitation

pytestmark = pytest.mark.django_db


def _teammate(org, role: Role, email: str | None = None) -> User:  # type: ignore[no-untyped-def]
    with schema_context(org.schema_name):
        return StaffUserFactory.create(
            email=email or f"{role.value}@{org.slug}.example",
            full_name=f"{role.label} Person",
            password=OWNER_PASSWORD,
            role=role,
        )


def test_only_owners_manage_the_team(org_a):
    _teammate(org_a, Role.HR_ADMIN)
    _teammate(org_a, Role.VIEWER)
    assert signed_in(org_a).get("/account/team/").status_code == 200
    for email in ("hr_admin@alpha.example", "viewer@alpha.example"):
        assert signed_in(org_a, email).get("/account/team/").status_code == 403
    assert host_client(org_a.host).get("/account/team/").status_code == 302


def test_invite_and_join(org_a, mailoutbox):
    owner = signed_in(org_a)
    assert (
        owner.post("/account/team/", {"email": "New.HR@alpha.example", "role": "hr_admin"}).status_code == 302
    )
    (message,) = mailoutbox
    assert message.to == ["new.hr@alpha.example"]
    found = re.search(r"https?://[^/]+(/account/join/[^/]+/)", message.body)
    assert found
    path = found.group(1)

    newcomer = host_client(org_a.host)
    assert (
        "hr_admin" not in newcomer.get(path).content.decode()
        and "HR Admin" in newcomer.get(path).content.decode()
    )
    weak = newcomer.post(path, {"full_name": "Nia", "password": "123"})
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    assert (
        newcomer.post(path, {"full_name": "Nia Rao", "password": "a-long-unusual-passphrase-9"})["Location"]
        == "/"
    )
    with schema_context(org_a.schema_name):
        user = User.objects.get(username="new.hr@alpha.example")
        assert member_role(user) == Role.HR_ADMIN
    assert newcomer.get(path).status_code == 410  # used


def test_an_invitation_of_one_organization_is_not_valid_in_another(org_a, org_b, mailoutbox):
    signed_in(org_a).post("/account/team/", {"email": "x@alpha.example", "role": "viewer"})
    found = re.search(r"(/account/join/[^/\s]+/)", mailoutbox[0].body)
    assert found
    path = found.group(1)
    assert host_client(org_b.host).get(path).status_code == 404


def test_role_change_keeps_at_least_one_owner(org_a):
    owner = signed_in(org_a)
    with schema_context(org_a.schema_name):
        me = User.objects.get(username=org_a.owner_email)
    owner.post(f"/account/team/{me.pk}/role/", {"role": "viewer"})
    with schema_context(org_a.schema_name):
        assert member_role(me) == Role.OWNER
    mate = _teammate(org_a, Role.VIEWER)
    owner.post(f"/account/team/{mate.pk}/role/", {"role": "hr_admin"})
    with schema_context(org_a.schema_name):
        assert member_role(mate) == Role.HR_ADMIN


def test_a_new_role_counts_from_the_teammates_next_request(org_a):
    mate = _teammate(org_a, Role.VIEWER)
    mate_client = signed_in(org_a, mate.username)
    assert mate_client.get("/employees/").status_code == 403
    signed_in(org_a).post(f"/account/team/{mate.pk}/role/", {"role": "hr_admin"})
    assert mate_client.get("/employees/").status_code == 200  # the same session


def test_deactivation_ends_the_teammates_sessions(org_a):
    mate = _teammate(org_a, Role.VIEWER)
    mate_client = signed_in(org_a, mate.username)
    assert mate_client.get("/").status_code == 200
    owner = signed_in(org_a)
    asked = owner.post(f"/account/team/{mate.pk}/deactivate/")
    assert asked.status_code == 200 and "signed out everywhere" in asked.content.decode()
    assert mate_client.get("/").status_code == 200  # not until the Owner confirms
    owner.post(f"/account/team/{mate.pk}/deactivate/", {"confirmed": "1"})
    with schema_context(org_a.schema_name):  # the row and the cache's copy of it are gone
        session_key = mate_client.cookies["sessionid"].value
        assert not Session.objects.filter(session_key=session_key).exists()
        assert cache.get(f"{cached_db.KEY_PREFIX}{session_key}") is None
    assert mate_client.get("/").status_code == 302
    assert (
        host_client(org_a.host)
        .post("/accounts/login/", {"username": mate.username, "password": OWNER_PASSWORD})
        .status_code
        == 200
    )


def test_another_owner_resets_a_lost_second_factor(org_a):
    mate = _teammate(org_a, Role.OWNER, "second.owner@alpha.example")
    signed_in(org_a, mate.username)  # gives them a device
    signed_in(org_a).post(f"/account/team/{mate.pk}/reset-2fa/")
    with schema_context(org_a.schema_name):
        assert not StaticDevice.objects.filter(user=mate).exists()


def test_team_actions_on_another_organizations_user_are_not_found(org_a, org_b):
    with schema_context(org_b.schema_name):
        stranger = User.objects.get(username=org_b.owner_email)
    owner = signed_in(org_a)
    for action in ("role", "deactivate", "reactivate", "reset-2fa"):
        response = owner.post(f"/account/team/{stranger.pk + 1000}/{action}/", {"role": "viewer"})
        assert response.status_code == 404
    with schema_context(org_b.schema_name):
        assert User.objects.get(pk=stranger.pk).is_active


def _invite(owner, mailoutbox, email: str, role: str = "viewer", **extra) -> str:  # type: ignore[no-untyped-def]
    """Invite ``email`` from the team page; the path of the link e-mailed."""
    before = len(mailoutbox)
    assert owner.post("/account/team/", {"email": email, "role": role}, **extra).status_code == 302
    found = re.search(r"(https?://[^/\s]+)(/account/join/[^/\s]+/)", mailoutbox[before].body)
    assert found, mailoutbox[before].body
    return found.group(2)


def test_the_join_link_is_built_from_settings_not_from_the_requests_host(org_a, mailoutbox):
    owner = signed_in(org_a)
    owner.post(
        "/account/team/", {"email": "port@alpha.example", "role": "viewer"}, HTTP_HOST=f"{org_a.host}:31337"
    )
    (message,) = mailoutbox
    assert "31337" not in message.body and "31337" not in message.alternatives[0][0]
    assert re.search(rf"http://{re.escape(org_a.host)}:8000/account/join/[^/\s]+/", message.body)


def test_pending_invitations_are_listed_and_a_revoked_link_stops_working(org_a, mailoutbox):
    owner = signed_in(org_a)
    path = _invite(owner, mailoutbox, "revoked@alpha.example", "hr_admin")
    with schema_context(org_a.schema_name):
        invitation = StaffInvitation.objects.get(email="revoked@alpha.example")
        assert invitation.invited_by is not None and invitation.invited_by.username == org_a.owner_email
        assert invitation.token_hash not in path
    page = owner.get("/account/team/").content.decode()
    assert "revoked@alpha.example" in page and f"/account/team/invitations/{invitation.pk}/revoke/" in page

    asked = owner.post(f"/account/team/invitations/{invitation.pk}/revoke/")
    assert (
        asked.status_code == 200
        and "Revoke the invitation of revoked@alpha.example?" in asked.content.decode()
    )
    assert host_client(org_a.host).get(path).status_code == 200  # still works until confirmed
    confirmed = owner.post(f"/account/team/invitations/{invitation.pk}/revoke/", {"confirmed": "1"})
    assert confirmed.status_code == 302
    newcomer = host_client(org_a.host)
    assert newcomer.get(path).status_code == 404
    joined = newcomer.post(path, {"full_name": "Rev Oked", "password": "a-long-unusual-passphrase-9"})
    assert joined.status_code == 404 and "not valid" in joined.content.decode()
    assert f"/invitations/{invitation.pk}/revoke/" not in owner.get("/account/team/").content.decode()
    with schema_context(org_a.schema_name):
        assert not User.objects.filter(username="revoked@alpha.example").exists()
        event = AuditEvent.objects.get(action="staff.invitation_revoked")
        assert event.actor_label == org_a.owner_email and event.data["invitation_id"] == invitation.pk
        assert path.split("/")[3] not in str(event.data)  # never the token


def test_sending_again_replaces_the_link(org_a, mailoutbox):
    owner = signed_in(org_a)
    old = _invite(owner, mailoutbox, "again@alpha.example")
    with schema_context(org_a.schema_name):
        first = StaffInvitation.objects.get(email="again@alpha.example")
    assert owner.post(f"/account/team/invitations/{first.pk}/resend/").status_code == 302
    new = re.search(r"(/account/join/[^/\s]+/)", mailoutbox[-1].body).group(1)  # type: ignore[union-attr]
    assert new != old
    newcomer = host_client(org_a.host)
    assert newcomer.get(old).status_code == 404
    assert newcomer.get(new).status_code == 200
    # A revoked (replaced) invitation cannot be revoked or sent again.
    assert owner.post(f"/account/team/invitations/{first.pk}/resend/").status_code == 404
    assert owner.post(f"/account/team/invitations/{first.pk}/revoke/").status_code == 404


def test_an_accepted_invitation_is_no_longer_pending(org_a, mailoutbox):
    owner = signed_in(org_a)
    path = _invite(owner, mailoutbox, "accepted@alpha.example")
    newcomer = host_client(org_a.host)
    newcomer.post(path, {"full_name": "Acc Epted", "password": "a-long-unusual-passphrase-9"})
    with schema_context(org_a.schema_name):
        invitation = StaffInvitation.objects.get(email="accepted@alpha.example")
        assert invitation.accepted_at is not None
        assert AuditEvent.objects.filter(action="staff.joined", data__invitation_id=invitation.pk).exists()
    assert host_client(org_a.host).get(path).status_code == 410
    assert owner.post(f"/account/team/invitations/{invitation.pk}/revoke/").status_code == 404


def test_an_expired_invitation_does_not_work(org_a, mailoutbox):
    owner = signed_in(org_a)
    path = _invite(owner, mailoutbox, "late@alpha.example")
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = host_client(org_a.host).post(
            path, {"full_name": "La Te", "password": "a-long-unusual-passphrase-9"}
        )
        assert response.status_code == 404
    with schema_context(org_a.schema_name):
        assert not User.objects.filter(username="late@alpha.example").exists()


def test_only_owners_revoke_and_only_their_own_organizations_invitations(org_a, org_b, mailoutbox):
    _invite(signed_in(org_b), mailoutbox, "b-mate@bravo.example")
    with schema_context(org_b.schema_name):
        theirs = StaffInvitation.objects.get(email="b-mate@bravo.example")
    owner_a = signed_in(org_a)
    for action in ("revoke", "resend"):
        assert owner_a.post(f"/account/team/invitations/{theirs.pk}/{action}/").status_code == 404
    _teammate(org_a, Role.HR_ADMIN)
    _invite(owner_a, mailoutbox, "a-mate@alpha.example")
    with schema_context(org_a.schema_name):
        ours = StaffInvitation.objects.get(email="a-mate@alpha.example")
    hr = signed_in(org_a, "hr_admin@alpha.example")
    assert hr.post(f"/account/team/invitations/{ours.pk}/revoke/").status_code == 403
    with schema_context(org_b.schema_name):
        assert StaffInvitation.objects.get(pk=theirs.pk).is_pending
    with schema_context(org_a.schema_name):
        assert StaffInvitation.objects.get(pk=ours.pk).is_pending


def test_the_invitation_form_defaults_to_the_least_powerful_role(org_a):
    page = signed_in(org_a).get("/account/team/").content.decode()
    selected = re.findall(r'<option value="(\w+)"[^>]*selected', page.split('name="email"', 1)[1])
    assert selected == ["viewer"]
