"""The staff team: invitations to join, roles, deactivation, two-factor resets."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django_otp.plugins.otp_static.models import StaticDevice
from django_tenants.utils import schema_context

from conftest import OWNER_PASSWORD, host_client, signed_in
from verification.roles import Role
from verification.selectors import staff_user_role
from verification.services import staff_user_create

pytestmark = pytest.mark.django_db


def _teammate(org, role: Role, email: str | None = None) -> User:  # type: ignore[no-untyped-def]
    with schema_context(org.schema_name):
        return staff_user_create(
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
        assert staff_user_role(user) == Role.HR_ADMIN
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
        assert staff_user_role(me) == Role.OWNER
    mate = _teammate(org_a, Role.VIEWER)
    owner.post(f"/account/team/{mate.pk}/role/", {"role": "hr_admin"})
    with schema_context(org_a.schema_name):
        assert staff_user_role(mate) == Role.HR_ADMIN


def test_deactivation_ends_the_teammates_sessions(org_a):
    mate = _teammate(org_a, Role.VIEWER)
    mate_client = signed_in(org_a, mate.username)
    assert mate_client.get("/").status_code == 200
    signed_in(org_a).post(f"/account/team/{mate.pk}/deactivate/")
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
