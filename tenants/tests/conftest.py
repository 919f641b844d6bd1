import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_signup_quota():
    """Each test starts with the sign-up quota of the test client's address unused."""
    cache.delete("signup-rate:127.0.0.1")
    yield
    cache.delete("signup-rate:127.0.0.1")
