"""Password reset by e-mail, on the organization's own site."""

from __future__ import annotations

import re

import pytest

from conftest import OWNER_PASSWORD, host_client

pytestmark = pytest.mark.django_db


def test_reset_by_email_then_sign_in_with_the_new_password(org_a, mailoutbox):
    client = host_client(org_a.host)
    assert client.post("/accounts/password-reset/", {"email": org_a.owner_email})["Location"].endswith(
        "/sent/"
    )
    (message,) = mailoutbox
    link = re.search(r"http://alpha\.localhost(/accounts/password-reset/[^\s]+/)", message.body)
    assert link, message.body
    form = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form.content.decode()
    new = "a-brand-new-passphrase-77"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done["Location"].endswith("/complete/")
    fresh = host_client(org_a.host)
    assert (
        fresh.post(
            "/accounts/login/", {"username": org_a.owner_email, "password": OWNER_PASSWORD}
        ).status_code
        == 200
    )
    assert fresh.post("/accounts/login/", {"username": org_a.owner_email, "password": new}).status_code == 302
    assert (
        client.get(link.group(1), follow=True).content.decode().count("This link is not valid") == 1
    )  # used


def test_another_organizations_site_sends_nothing_for_a_stranger(org_a, org_b, mailoutbox):
    response = host_client(org_b.host).post("/accounts/password-reset/", {"email": org_a.owner_email})
    assert response.status_code == 302  # same answer, so addresses cannot be probed
    assert mailoutbox == []
