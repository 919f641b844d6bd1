"""The KYC-VS protocol: typed results and errors of CoWIN's OTP-based status API.

Nothing outside ``verification/providers/`` knows a URL or a wire field name: callers get
typed results and typed errors that say what to do next. No error message ever contains a
mobile number, a name, an OTP or a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from verification.providers.base import VaccinationStatus


@dataclass(frozen=True)
class OtpSent:
    """An OTP went to the person's phone; confirm it with ``txn_id`` before ``valid_for_s``."""

    txn_id: str
    valid_for_s: int


@dataclass(frozen=True)
class AccessToken:
    """Proof that the person entered the right OTP; reads their status until it expires."""

    token: str
    expires_in_s: int


@dataclass(frozen=True)
class SignedStatus:
    """A verified status answer, with the signed evidence to store and re-verify later."""

    status: VaccinationStatus
    evidence: str  # compact JWS exactly as the provider signed it
    key_id: str
    issued_at: datetime
    claims: dict[str, object]


# --- Errors -------------------------------------------------------------------------------


class ProviderError(Exception):
    """Base of every provider error. ``retryable`` says whether trying again later may help."""

    retryable = False
    code = "provider_error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.__doc__ or self.code)


class WrongOtp(ProviderError):
    """The OTP does not match. ``tries_left`` is None when the provider does not say (CoWIN's
    USRAUT0014 does not): the caller counts the tries itself."""

    code = "wrong_otp"

    def __init__(self, tries_left: int | None = None) -> None:
        self.tries_left = tries_left
        left = "an unknown number of" if tries_left is None else str(tries_left)
        super().__init__(f"The OTP does not match; {left} tries left for this OTP.")


class OtpNotSent(ProviderError):
    """CoWIN would not send an OTP to this number now (USRAUT0018, "Generate OTP failed": seen
    for numbers CoWIN has throttled or blocked for a while). Not worth retrying soon: the person
    can try later, or verify another way."""

    code = "otp_not_sent"


class OtpExpired(ProviderError):
    """The OTP expired, was used already, or had too many wrong tries: request a new one."""

    code = "otp_expired"


class ResendTooSoon(ProviderError):
    """An OTP was sent to this number recently; a new one can be requested after a wait."""

    code = "resend_too_soon"

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"An OTP was sent recently; request a new one in {retry_after_s} s.")


class RateLimited(ProviderError):
    """The provider's rate limit was reached; wait before calling again."""

    code = "rate_limited"
    retryable = True

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"Rate limited by the provider; retry in {retry_after_s} s.")


class NotFound(ProviderError):
    """No vaccination record matches this mobile number and name."""

    code = "not_found"


class TokenExpired(ProviderError):
    """The access token expired; the person must confirm a new OTP."""

    code = "token_expired"


class InvalidRequest(ProviderError):
    """The provider rejected the input (for example a mobile number it does not accept)."""

    code = "invalid_request"


class ProviderMisconfigured(ProviderError):
    """The provider refused our credentials (API key): an operator must fix the settings."""

    code = "misconfigured"


class UpstreamUnavailable(ProviderError):
    """The provider timed out, failed (5xx) or answered garbage; retry later."""

    code = "upstream_unavailable"
    retryable = True


class BadSignature(ProviderError):
    """The status answer's signature does not verify: it must never be trusted."""

    code = "bad_signature"


# --- Interface ----------------------------------------------------------------------------


class VaccinationStatusProvider(Protocol):
    def request_otp(self, *, mobile: str, full_name: str) -> OtpSent:
        """Ask the provider to send an OTP by SMS to ``mobile`` (a 10-digit Indian mobile)."""
        ...

    def confirm_otp(self, *, txn_id: str, otp: str) -> AccessToken:
        """Exchange the OTP the person entered for an access token."""
        ...

    def fetch_status(self, *, token: str) -> SignedStatus:
        """Fetch and verify the signed vaccination status."""
        ...

    def verify_evidence(self, evidence: str) -> SignedStatus:
        """Verify stored evidence again (for example in an audit); raises BadSignature."""
        ...
