"""``manage.py create_organization``: creates a ready organization; refuses taken, reserved and
weak input."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tenants.models import Organization

pytestmark = pytest.mark.django_db


def test_create_organization_command(monkeypatch, capsys):
    monkeypatch.setenv("TIKA_OWNER_PASSWORD", "another-long-passphrase-7")
    call_command(
        "create_organization",
        "--name",
        "Zeta Labs",
        "--subdomain",
        "Zeta",
        "--owner-name",
        "Z",
        "--owner-email",
        "z@zeta.example",
    )
    assert "Created Zeta Labs at zeta.localhost" in capsys.readouterr().out
    assert Organization.objects.get(slug="zeta").status == Organization.Status.READY


@pytest.mark.parametrize(
    "subdomain, password, message",
    [
        ("alpha", "another-long-passphrase-7", "already taken"),
        ("www", "another-long-passphrase-7", "reserved"),
        ("ok-name", "123", "too short"),
    ],
)
def test_create_organization_command_rejects_bad_input(monkeypatch, subdomain, password, message):
    monkeypatch.setenv("TIKA_OWNER_PASSWORD", password)
    with pytest.raises(CommandError, match=message):
        call_command(
            "create_organization",
            "--name",
            "X",
            "--subdomain",
            subdomain,
            "--owner-name",
            "X",
            "--owner-email",
            "x@x.example",
        )
