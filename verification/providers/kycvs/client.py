"""HTTP client for CoWIN's KYC-VS API (and the sandbox that speaks the same contract).

    POST {base}/api/v3/vaccination/generateOTP  {"mobile_number", "full_name"} -> {"txnId"}
    POST {base}/api/v3/vaccination/confirmOTP   {"otp": sha256_hex(otp), "txnId"} -> {"token"}
    GET  {base}/api/v3/vaccination/status       Authorization: Bearer <token>
                                                -> {"vaccination_status", "signature"}

Every call carries the partner API key in ``x-api-key``. See docs/provider.md.
"""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from verification.providers.kycvs.protocol import (
    AccessToken,
    BadSignature,
    InvalidRequest,
    NotFound,
    OtpExpired,
    OtpNotSent,
    OtpSent,
    ProviderError,
    ProviderMisconfigured,
    RateLimited,
    ResendTooSoon,
    SignedStatus,
    TokenExpired,
    UpstreamUnavailable,
    WrongOtp,
)
from verification.providers.kycvs.signing import EvidenceVerifier, verifier_for

OTP_VALID_FOR_S = 180
TOKEN_VALID_FOR_S = 15 * 60

# Error codes in the JSON body of 4xx answers. CoWIN's own, as its public API threads show them
# (docs/provider.md), and the few the sandbox adds where CoWIN's are not known.
#: CoWIN: "Invalid OTP" (HTTP 401 on confirmOTP; also for an OTP that died). No tries left given.
INVALID_OTP = "USRAUT0014"
#: CoWIN: "OTP is Required" (a malformed confirmOTP).
OTP_REQUIRED = "USRAUT0012"
#: CoWIN: "Generate OTP failed" (the number is throttled or blocked for a while).
GENERATE_OTP_FAILED = "USRAUT0018"
#: CoWIN: an OTP was sent to this number a moment ago.
WAIT_TO_SEND_OTP = "Beneficiary.validation.wait_to_send_otp"

_ERRORS_BY_CODE: dict[str, type[ProviderError]] = {
    OTP_REQUIRED: InvalidRequest,
    GENERATE_OTP_FAILED: OtpNotSent,
    # The sandbox's own codes (CoWIN's are not public for these).
    "OTP_EXPIRED": OtpExpired,
    "TXN_NOT_FOUND": OtpExpired,
    "BENEFICIARY_NOT_FOUND": NotFound,
    "TOKEN_EXPIRED": TokenExpired,
    "INVALID_API_KEY": ProviderMisconfigured,
    "INVALID_MOBILE": InvalidRequest,
    "INVALID_REQUEST": InvalidRequest,
}


def otp_digest(otp: str) -> str:
    """What the API wants instead of the OTP itself: its SHA-256, hex."""
    return hashlib.sha256(otp.strip().encode()).hexdigest()


def _retry_after(response: httpx.Response, body: dict[str, Any], default: int) -> int:
    for value in (response.headers.get("Retry-After"), body.get("retry_after")):
        try:
            if value is not None:
                return max(1, int(float(value)))
        except ValueError:
            continue
    return default


class CowinClient:
    """The provider for the real CoWIN KYC-VS service (or its sandbox)."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        verify_key: str,
        timeout_s: float = 10.0,
        connect_timeout_s: float = 3.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers={"x-api-key": api_key, "accept": "application/json"},
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            verify=True,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            transport=transport,
        )
        self._verifier: EvidenceVerifier = verifier_for(verify_key, self._http)

    def close(self) -> None:
        self._http.close()

    # --- the three calls ------------------------------------------------------------------

    def request_otp(self, *, mobile: str, full_name: str) -> OtpSent:
        body = self._call(
            "POST",
            "api/v3/vaccination/generateOTP",
            json={"mobile_number": mobile, "full_name": full_name},
        )
        txn_id = body.get("txnId")
        if not isinstance(txn_id, str) or not txn_id:
            raise UpstreamUnavailable("The provider's answer to generateOTP has no txnId.")
        return OtpSent(txn_id=txn_id, valid_for_s=OTP_VALID_FOR_S)

    def confirm_otp(self, *, txn_id: str, otp: str) -> AccessToken:
        body = self._call(
            "POST",
            "api/v3/vaccination/confirmOTP",
            json={"otp": otp_digest(otp), "txnId": txn_id},
            confirming=True,
        )
        token = body.get("token")
        if not isinstance(token, str) or not token:
            raise UpstreamUnavailable("The provider's answer to confirmOTP has no token.")
        return AccessToken(token=token, expires_in_s=TOKEN_VALID_FOR_S)

    def fetch_status(self, *, token: str) -> SignedStatus:
        body = self._call("GET", "api/v3/vaccination/status", headers={"Authorization": f"Bearer {token}"})
        evidence = body.get("signature")
        if not isinstance(evidence, str):
            raise UpstreamUnavailable("The provider's status answer carries no signature.")
        signed = self._verifier.verify(evidence)
        if body.get("vaccination_status") != int(signed.status):
            # The plain field and the signed claims disagree: believe neither.
            raise BadSignature("The status answer disagrees with its own signed claims.")
        return signed

    def verify_evidence(self, evidence: str) -> SignedStatus:
        return self._verifier.verify(evidence)

    # --- transport and error mapping ------------------------------------------------------

    def _call(self, method: str, path: str, *, confirming: bool = False, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise UpstreamUnavailable("The provider did not answer in time.") from None
        except httpx.TransportError:
            raise UpstreamUnavailable("The provider could not be reached.") from None
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if response.is_success:
                raise UpstreamUnavailable("The provider answered with something other than JSON.")
            body = {}
        if response.is_success:
            return body
        raise self._error(response, body, confirming=confirming)

    @staticmethod
    def _error(response: httpx.Response, body: dict[str, Any], *, confirming: bool) -> ProviderError:
        # Messages are ours: the provider's text might echo what we sent (a number, a name).
        status = response.status_code
        code = str(body.get("errorCode", ""))
        if status == 429:
            return RateLimited(_retry_after(response, body, default=60))
        if status >= 500:
            return UpstreamUnavailable(f"The provider failed (HTTP {status}).")
        if code == INVALID_OTP:
            return WrongOtp(tries_left=None)
        if code == WAIT_TO_SEND_OTP:
            return ResendTooSoon(_retry_after(response, body, default=OTP_VALID_FOR_S))
        if code in _ERRORS_BY_CODE:
            return _ERRORS_BY_CODE[code]()
        if confirming and status == 401:
            # CoWIN answers a wrong (or dead) OTP with 401, sometimes with no code at all
            # ("Unauthenticated access!"): that is the person's OTP, never our settings.
            return WrongOtp(tries_left=None)
        if status in (401, 403):
            return ProviderMisconfigured(f"The provider refused the request (HTTP {status}).")
        if status == 404:
            return NotFound()
        return InvalidRequest(f"The provider rejected the request (HTTP {status}).")
