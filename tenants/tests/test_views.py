"""The public site: landing page and organization sign-up."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django_tenants.utils import schema_context

from portal.testing import host_client
from tenants.models import Domain, Organization

pytestmark = pytest.mark.django_db

GOOD = {
    "organization_name": "Newco Pvt Ltd",
    "subdomain": "newco",
    "owner_name": "Ravi Kumar",
    "email": "Ravi@Newco.example",
    "password": "a-long-unusual-passphrase-42",
}


def test_landing_page_offers_signup(public_client):
    response = public_client.get("/")
    assert response.status_code == 200
    assert b'href="/signup/"' in response.content


def test_signup_creates_organization_domain_and_owner(public_client):
    response = public_client.post("/signup/", GOOD)

    assert response.status_code == 302
    assert re.fullmatch(r"http://newco\.localhost/account/welcome/[\w-]{43}/", response["Location"])
    organization = Organization.objects.get(slug="newco")
    assert organization.name == "Newco Pvt Ltd"
    assert organization.schema_name == "org_newco"
    assert organization.status == Organization.Status.READY
    assert Domain.objects.get(tenant=organization).domain == "newco.localhost"
    with schema_context("org_newco"):
        owner = User.objects.get()
        assert owner.email == "ravi@newco.example"
        assert [g.name for g in owner.groups.all()] == ["role:owner"]
        # Cloned with data: content types and permissions came along from the template.
        assert ContentType.objects.filter(app_label="auth", model="user").exists()
        assert Permission.objects.filter(codename="add_user").exists()


def test_signup_form_may_be_answered_by_a_redirect_to_an_organization_site(public_client):
    # Browsers check a form's redirect against form-action: the sign-up page must allow the
    # organizations' subdomains (same scheme and port), and only this page.
    def form_action(path: str) -> str:
        csp = public_client.get(path)["Content-Security-Policy"]
        directives = dict(d.strip().partition(" ")[::2] for d in csp.split(";"))
        return directives["form-action"]

    assert form_action("/signup/") == "'self' http://*.localhost"
    assert form_action("/") == "'self'"


def test_new_owner_can_sign_in_with_the_password_on_the_new_subdomain(public_client):
    public_client.post("/signup/", GOOD)
    client = host_client("newco.localhost")

    page = client.get("/accounts/login/?welcome=1")
    assert "Newco Pvt Ltd is ready" in page.content.decode()
    response = client.post(
        "/accounts/login/", {"username": "ravi@newco.example", "password": GOOD["password"]}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    # An owner sets up two-factor sign-in before seeing anything else.
    assert client.get("/")["Location"] == "/account/2fa/setup/?next=/"
    setup = client.get("/account/2fa/setup/?next=/").content.decode()
    assert "Set up two-factor sign-in" in setup and "Ravi Kumar" in setup


def test_signup_normalizes_subdomain_case(public_client):
    response = public_client.post("/signup/", {**GOOD, "subdomain": "  NewCo "})
    assert response.status_code == 302
    assert Organization.objects.filter(slug="newco").exists()


@pytest.mark.parametrize("subdomain", ["alpha", "ALPHA", "bravo"])
def test_signup_rejects_taken_subdomain(public_client, subdomain):
    response = public_client.post("/signup/", {**GOOD, "subdomain": subdomain})
    assert response.status_code == 200
    assert "already taken" in response.content.decode()
    assert Organization.objects.filter(kind="customer").count() == 2


@pytest.mark.parametrize("subdomain", ["admin", "www", "sandbox", "api", "public", "cowin"])
def test_signup_rejects_reserved_subdomain(public_client, subdomain):
    response = public_client.post("/signup/", {**GOOD, "subdomain": subdomain})
    assert response.status_code == 200
    assert "reserved" in response.content.decode()
    assert not Organization.objects.filter(slug=subdomain).exists()


@pytest.mark.parametrize(
    "subdomain",
    ["acme_co", "acme.co", "-acme", "acme-", "ac", "a" * 41, "xn--80ak6aa92e", "ácme", "acme co", ""],
)
def test_signup_rejects_bad_subdomain(public_client, subdomain):
    response = public_client.post("/signup/", {**GOOD, "subdomain": subdomain})
    assert response.status_code == 200
    assert b'class="field field-error"' in response.content
    assert Organization.objects.filter(kind="customer").count() == 2


@pytest.mark.parametrize(
    "password, message",
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("73829104857362", "entirely numeric"),
        ("ravi@newco.example", "too similar"),
    ],
)
def test_signup_rejects_weak_password(public_client, password, message):
    response = public_client.post("/signup/", {**GOOD, "password": password})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Organization.objects.filter(slug="newco").exists()


def test_signup_requires_every_field(public_client):
    response = public_client.post("/signup/", {})
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 5


def test_signups_are_rate_limited_per_client_address(public_client, settings):
    settings.SIGNUPS_PER_HOUR_PER_IP = 2
    for i in range(2):
        assert public_client.post("/signup/", {**GOOD, "subdomain": f"newco{i}"}).status_code == 302
    response = public_client.post("/signup/", {**GOOD, "subdomain": "newco9"})
    assert response.status_code == 429
    assert "Too many sign-ups" in response.content.decode()
    assert not Organization.objects.filter(slug="newco9").exists()
