"""Fixtures of the platform's tests (tenants/tests and its commands' tests)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from tenants.tests.authenticator import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_signup_quota():  # type: ignore[no-untyped-def]
    """Each test starts with the sign-up quota of the test client's address unused."""
    cache.delete("signup-rate:127.0.0.1")
    yield
    cache.delete("signup-rate:127.0.0.1")


@pytest.fixture
def superuser() -> User:
    """A platform superuser (public schema), without an authenticator yet."""
    return User.objects.create_superuser("root@tika.example", "root@tika.example", PASSWORD)
