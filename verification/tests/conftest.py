from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from verification.providers.cowin import CowinClient
from verification.providers.sandbox import store


@dataclass(frozen=True)
class Sandbox:
    """The sandbox served by the live server, and what a test needs to drive it."""

    url: str  # the public site, e.g. http://localhost:PORT
    api_key: str

    @property
    def base_url(self) -> str:
        return f"{self.url}/sandbox/cowin"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/.well-known/jwks.json"

    def client(self, **overrides) -> CowinClient:  # type: ignore[no-untyped-def]
        options = {"base_url": self.base_url, "api_key": self.api_key, "verify_key": self.jwks_url}
        return CowinClient(**{**options, **overrides})

    def inbox(self, **params: str) -> list[dict]:
        response = httpx.get(f"{self.url}/sandbox/inbox.json", params=params, timeout=10)
        response.raise_for_status()
        return response.json()["messages"]

    def last_otp(self, mobile: str) -> str:
        """The OTP in the newest SMS to this 10-digit number, as the person would read it."""
        messages = self.inbox(to=f"+91{mobile}", kind="sms")
        assert messages, f"no SMS in the dev inbox for the number ending {mobile[-4:]}"
        match = re.search(r"\b(\d{6})\b", messages[0]["text"])
        assert match, "the SMS carries no 6-digit OTP"
        return match.group(1)

    def set_faults(self, **faults: float) -> None:
        response = httpx.put(
            f"{self.url}/sandbox/control/faults",
            json=faults,
            headers={"x-api-key": self.api_key},
            timeout=10,
        )
        response.raise_for_status()


@pytest.fixture
def sandbox(live_server_url, settings) -> Iterator[Sandbox]:  # type: ignore[no-untyped-def]
    """The sandbox over real HTTP, fresh for each test; the app's settings point at it.

    The live server reaches the database only while the test may (mark it django_db, or use
    committed_db when a worker process must see the data).
    """
    sandbox = Sandbox(url=live_server_url, api_key=settings.KYCVS_SANDBOX_API_KEY)
    settings.KYCVS_BASE_URL = sandbox.base_url
    settings.KYCVS_VERIFY_KEY = sandbox.jwks_url
    store.reset()
    yield sandbox
    store.reset()
