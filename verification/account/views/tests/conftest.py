"""Fixtures of the tests of the staff account pages."""

from __future__ import annotations

import pytest


@pytest.fixture
def two_factor_on(settings):  # type: ignore[no-untyped-def]
    """The two-factor middleware on (the test settings leave it off for the other tests)."""
    middleware = "verification.account.middleware.TwoFactorMiddleware"
    if middleware not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, middleware]
