"""The organization's settings (Owners only): every setting, its limits and help."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from portal.testing import signed_in
from tenants.models import Organization
from verification.account.tests.helpers import hr_admin_client
from verification.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_owner_changes_settings_hr_admin_cannot(org_a, org_b):
    owner = signed_in(org_a)
    page = owner.get("/account/settings/")
    assert page.status_code == 200 and 'value="3, 7"' in page.content.decode()
    response = owner.post(
        "/account/settings/",
        {
            "name": "Alpha Ltd",
            "grievance_contact_name": "Privacy Desk",
            "grievance_contact_email": "privacy@alpha.example",
            "invitation_expiry_days": 10,
            "reminder_days": "2; 5",
            "dashboard_min_group_size": 3,
            "retention_days": 15,
            "link_view_days": 45,
            "time_zone": "Asia/Kolkata",
            "verification_methods": "both",
        },
    )
    assert response.status_code == 302
    alpha = Organization.objects.get(slug="alpha")
    assert (alpha.name, alpha.reminder_days, alpha.retention_days) == ("Alpha Ltd", [2, 5], 15)
    assert alpha.link_view_days == 45
    assert Organization.objects.get(slug="bravo").name == "Bravo"
    bad = owner.post(
        "/account/settings/",
        {
            "name": "A",
            "invitation_expiry_days": 0,
            "reminder_days": "x",
            "dashboard_min_group_size": 5,
            "retention_days": 1,
            "link_view_days": 30,
            "time_zone": "Asia/Kolkata",
        },
    )
    assert bad.status_code == 200 and "whole numbers" in bad.content.decode()
    assert hr_admin_client(org_a).get("/account/settings/").status_code == 403
    with schema_context(org_a.schema_name):
        assert AuditEvent.objects.filter(action="organization.settings_changed").exists()


#: A valid settings form, as the page posts it; tests change one field.
VALID = {
    "name": "Alpha",
    "invitation_expiry_days": 14,
    "reminder_days": "3, 7",
    "dashboard_min_group_size": 5,
    "retention_days": 30,
    "link_view_days": 30,
    "time_zone": "Asia/Kolkata",
    "verification_methods": "both",
}


def test_link_view_days_is_an_owner_setting_with_limits_and_help(org_a):
    owner = signed_in(org_a)
    page = owner.get("/account/settings/").content.decode()
    assert 'name="link_view_days"' in page and 'value="30"' in page
    assert "shows their status and data only after a one-time code" in page
    valid = {k: v for k, v in VALID.items() if k != "link_view_days"}
    for days in (0, 366):
        refused = owner.post("/account/settings/", {**valid, "link_view_days": days})
        assert refused.status_code == 200
        assert refused.context["form"].errors["link_view_days"] == ["Between 1 and 365."]
    assert Organization.objects.get(slug="alpha").link_view_days == 30
    assert owner.post("/account/settings/", {**valid, "link_view_days": 7}).status_code == 302
    assert Organization.objects.get(slug="alpha").link_view_days == 7
    with schema_context(org_a.schema_name):
        changed = AuditEvent.objects.filter(action="organization.settings_changed").latest("at")
        assert "link_view_days" in changed.data["fields"]


def test_the_ways_to_verify_are_an_owner_setting(org_a, settings):
    owner = signed_in(org_a)
    page = owner.get("/account/settings/").content.decode()
    assert 'name="verification_methods"' in page and "checked offline against CoWIN" in page
    valid = {
        "name": "Alpha",
        "invitation_expiry_days": 14,
        "reminder_days": "3, 7",
        "dashboard_min_group_size": 5,
        "retention_days": 30,
        "link_view_days": 30,
        "time_zone": "Asia/Kolkata",
    }
    assert (
        owner.post("/account/settings/", {**valid, "verification_methods": "certificate"}).status_code == 302
    )
    assert Organization.objects.get(slug="alpha").verification_methods == "certificate"
    refused = owner.post("/account/settings/", {**valid, "verification_methods": "sms"})
    assert refused.status_code == 200 and "verification_methods" in refused.context["form"].errors
    # Without a KYC-VS partner key the page says that only certificates can be offered.
    settings.KYCVS_API_KEY = ""
    assert "no CoWIN KYC-VS partner key" in owner.get("/account/settings/").content.decode()
