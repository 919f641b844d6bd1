"""What the staff pages offer each role (staff_access): the owner's navigation links."""

from __future__ import annotations

import pytest

from portal.testing import signed_in
from verification.account.tests.helpers import hr_admin_client

pytestmark = pytest.mark.django_db


def test_owner_navigation_links_only_for_owners(org_a):
    nav = signed_in(org_a).get("/").content.decode()
    for path in ("/account/team/", "/account/settings/", "/account/audit/"):
        assert f'href="{path}"' in nav
    hr_nav = hr_admin_client(org_a).get("/").content.decode()
    assert 'href="/account/team/"' not in hr_nav and 'href="/employees/"' in hr_nav
