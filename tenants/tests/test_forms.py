"""The sign-up form refuses names with control characters."""

from __future__ import annotations

import pytest

from portal.testing import OWNER_PASSWORD
from tenants.models import Organization

CONTROL = "Acme\r\nBcc: x@example.com"

MESSAGE = "Remove line breaks, tabs and other control characters."


@pytest.mark.django_db
def test_sign_up_refuses_control_characters_in_names(public_client):
    response = public_client.post(
        "/signup/",
        {
            "organization_name": CONTROL,
            "subdomain": "ctrl-chars",
            "owner_name": "Asha\u202everma",
            "email": "asha@ctrl.example",
            "password": OWNER_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert response.content.decode().count(MESSAGE) == 2  # both names
    assert not Organization.objects.filter(slug="ctrl-chars").exists()
