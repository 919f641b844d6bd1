"""The subdomain suggested from an organization's name, and free variants of taken ones."""

from __future__ import annotations

import pytest

from tenants.subdomains import subdomain_free_variant, subdomain_from_name, subdomain_suggest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Acme", "acme"),
        ("Newco Pvt. Ltd.", "newco"),
        ("D'Souza & Sons Private Limited", "dsouza-sons"),
        ("Café Éclair", "cafe-eclair"),
        ("  Shree   Ganesh  Textiles ", "shree-ganesh-textiles"),
        ("The Limited", "the-limited"),  # nothing but legal words: keep them
        # Devanagari, as Hindi speakers spell it in Latin letters
        ("टाटा स्टील", "tata-stil"),
        ("श्री गणेश", "shri-ganesh"),
        ("भारत पेट्रोलियम", "bharat-petroliyam"),
        ("महिंद्रा", "mahindra"),
        ("कृष्णा ट्रेडर्स", "krishna-tredars"),
        ("अंबुजा सीमेंट", "ambuja-siment"),
        ("जय हिन्द", "jay-hind"),
        ("ज़ेबा फ़ैशन", "zeba-faishan"),
        ("क", "ka"),
        ("१२३ मार्ट", "123-mart"),
        ("中文公司", ""),
        ("", ""),
    ],
)
def test_subdomain_from_name(name, slug):
    assert subdomain_from_name(name) == slug


def test_a_long_name_is_cut_to_40_without_a_trailing_hyphen():
    slug = subdomain_from_name("Very Long Organisation Name For Testing The Limits Of Subdomains")
    assert len(slug) <= 40 and not slug.endswith("-")


def test_free_variants(org_a):
    assert subdomain_free_variant("newco") == "newco"
    assert subdomain_free_variant("alpha") == "alpha-2"
    assert subdomain_free_variant("admin") == "admin-2"  # reserved
    assert subdomain_free_variant("ab") == "ab-org"  # too short
    long = "a" * 40
    assert subdomain_free_variant(long) == long
    assert subdomain_suggest("Alpha") == "alpha-2"
    assert subdomain_suggest("中文") is None


def test_the_sign_up_page_asks_as_the_name_is_typed(public_client, org_a):
    page = public_client.get("/signup/").content.decode()
    assert 'data-suggest-url="/signup/subdomain/"' in page
    assert "/static/js/signup.js" in page

    assert public_client.get("/signup/subdomain/", {"name": "टाटा स्टील"}).json() == {
        "subdomain": "tata-stil",
        "free": "tata-stil",
        "taken": False,
    }
    assert public_client.get("/signup/subdomain/", {"name": "Alpha Pvt Ltd"}).json() == {
        "subdomain": "alpha",
        "free": "alpha-2",
        "taken": True,
    }
    assert public_client.get("/signup/subdomain/", {"subdomain": "Bravo"}).json() == {
        "subdomain": "bravo",
        "free": "bravo-2",
        "taken": True,
    }
    assert public_client.get("/signup/subdomain/", {"name": "中文"}).json() == {
        "subdomain": "",
        "free": None,
        "taken": False,
    }


def test_a_taken_subdomain_names_a_free_one(public_client, org_a):
    response = public_client.post(
        "/signup/",
        {
            "organization_name": "Alpha Again",
            "subdomain": "alpha",
            "owner_name": "Ravi Kumar",
            "email": "ravi@again.example",
            "password": "a-long-unusual-passphrase-42",
        },
    )
    assert "This subdomain is already taken; alpha-2 is free." in response.content.decode()
