"""The sandbox's HTTP endpoints. Only reachable where settings.KYCVS_SANDBOX_ENABLED is on."""

from __future__ import annotations

import functools
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import phonenumbers
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from verification.providers.kycvs.client import GENERATE_OTP_FAILED, INVALID_OTP, WAIT_TO_SEND_OTP
from verification.providers.sandbox import certificates, keys, registry, store

_random = secrets.SystemRandom()
View = Callable[..., HttpResponse]


def _error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    response = JsonResponse({"errorCode": code, "error": message, **extra}, status=status)
    if "retry_after" in extra:
        response["Retry-After"] = str(extra["retry_after"])
    return response


def sandbox_only(view: View) -> View:
    """404 unless the sandbox is enabled (checked per request, so tests can switch it)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.KYCVS_SANDBOX_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _api_key_ok(request: HttpRequest) -> bool:
    given = request.headers.get("x-api-key", "")
    return hmac.compare_digest(given.encode(), settings.KYCVS_SANDBOX_API_KEY.encode())


def cowin_api(view: View) -> View:
    """What every API call goes through, in the order a real service would apply it:
    injected faults, the API key, the rate limit."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        faults = store.faults_get()
        if faults["latency_ms"]:
            time.sleep(faults["latency_ms"] / 1000)
        if faults["burst_429"] > 0 and store.burst_take("burst_429"):
            return _error(429, "RATE_LIMITED", "Too many requests.", retry_after=1)
        if faults["burst_503"] > 0 and store.burst_take("burst_503"):
            return _error(503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable.")
        if faults["burst_timeout"] > 0 and store.burst_take("burst_timeout"):
            time.sleep(faults["timeout_s"] or 15)
            return _error(504, "GATEWAY_TIMEOUT", "Upstream timed out.")
        if faults["timeout_rate"] and _random.random() < faults["timeout_rate"]:
            time.sleep(faults["timeout_s"] or 15)
            return _error(504, "GATEWAY_TIMEOUT", "Upstream timed out.")
        if faults["error_rate"] and _random.random() < faults["error_rate"]:
            return _error(503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable.")
        if not _api_key_ok(request):
            return _error(401, "INVALID_API_KEY", "Missing or invalid x-api-key.")
        wait = store.rate_limit_hit(request.headers["x-api-key"])
        if wait:
            return _error(429, "RATE_LIMITED", "Rate limit exceeded.", retry_after=wait)
        return view(request, *args, **kwargs)

    return sandbox_only(csrf_exempt(wrapper))


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _national_mobile(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        number = phonenumbers.parse(value, "IN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 91 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return str(number.national_number)


@cowin_api
@require_http_methods(["POST"])
def generate_otp(request: HttpRequest) -> HttpResponse:
    body = _json_body(request)
    if body is None:
        return _error(400, "INVALID_REQUEST", "Body must be a JSON object.")
    mobile = _national_mobile(body.get("mobile_number"))
    name = body.get("full_name")
    if mobile is None:
        return _error(400, "INVALID_MOBILE", "mobile_number must be a valid Indian mobile number.")
    if not isinstance(name, str) or not name.strip():
        return _error(400, "INVALID_REQUEST", "full_name is required.")
    otp = f"{secrets.randbelow(10**6):06d}"
    txn_id = store.transaction_start(mobile=mobile, name=name.strip(), otp=otp)
    if txn_id is None:
        wait = store.cooldown_left(mobile) or 1
        # CoWIN's code; the Retry-After header is the sandbox's help (CoWIN gives no wait).
        response = _error(400, WAIT_TO_SEND_OTP, "Please wait before requesting a new OTP.")
        response["Retry-After"] = str(wait)
        return response
    if registry.otp_refused(mobile):
        return _error(400, GENERATE_OTP_FAILED, "Generate OTP failed")
    minutes = max(1, settings.KYCVS_SANDBOX_OTP_TTL_S // 60)
    store.inbox_deliver(
        kind="sms",
        to=f"+91{mobile}",
        text=(
            f"{otp} is your OTP to share your vaccination status with {settings.KYCVS_PARTNER_NAME}. "
            f"Valid for {minutes} minutes. Do not share it with anyone else. - CoWIN (sandbox)"
        ),
    )
    return JsonResponse({"txnId": txn_id})


@cowin_api
@require_http_methods(["POST"])
def confirm_otp(request: HttpRequest) -> HttpResponse:
    body = _json_body(request)
    if body is None or not isinstance(body.get("otp"), str) or not isinstance(body.get("txnId"), str):
        return _error(400, "INVALID_REQUEST", "otp (SHA-256 hex) and txnId are required.")
    txn_id = body["txnId"]
    txn = store.confirm_call(txn_id)  # counted, then the transaction read: one round trip
    if txn is None:
        return _error(400, "OTP_EXPIRED", "The OTP has expired or was already used.")
    if not hmac.compare_digest(body["otp"].lower(), txn.otp_sha256):
        store.transaction_wrong_attempt(txn_id, txn)
        # As CoWIN answers: 401, USRAUT0014, and no count of the tries left.
        return _error(401, INVALID_OTP, "Invalid OTP")
    if not store.transaction_finish(txn_id):  # a concurrent confirm won the race
        return _error(400, "OTP_EXPIRED", "The OTP has expired or was already used.")
    return JsonResponse({"token": store.token_issue(mobile=txn.mobile, name=txn.name, txn_id=txn_id)})


@cowin_api
@require_http_methods(["GET"])
def status(request: HttpRequest) -> HttpResponse:
    auth = request.headers.get("Authorization", "")
    token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
    session = store.token_get(token) if token else None
    if session is None:
        return _error(401, "TOKEN_EXPIRED", "The token is missing, invalid or expired.")
    try:
        vaccination_status = registry.status_for(session["mobile"], session["name"])
    except registry.NameMismatch:
        return _error(404, "BENEFICIARY_NOT_FOUND", "No beneficiary with this name on this number.")
    now = int(time.time())
    claims = {
        "iss": settings.KYCVS_SANDBOX_ISSUER,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "txn": session["txn"],
        "beneficiary_name": session["name"],
        "mobile_last4": session["mobile"][-4:],
        "vaccination_status": vaccination_status,
    }
    signature = jwt.encode(claims, keys.signing_key(), algorithm="ES256", headers={"kid": keys.key_id()})
    return JsonResponse({"vaccination_status": vaccination_status, "signature": signature})


@sandbox_only
@require_http_methods(["GET"])
def jwks(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(keys.jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


@sandbox_only
@require_http_methods(["GET"])
def inbox(request: HttpRequest) -> HttpResponse:
    messages = store.inbox_list(to=request.GET.get("to", ""), kind=request.GET.get("kind", ""))
    demo = [{"citizen": c, "certificate": certificates.demo_certificate(c.mobile)} for c in registry.CITIZENS]
    return render(request, "sandbox/inbox.html", {"messages": messages, "certificates": demo})


@sandbox_only
@require_http_methods(["GET"])
def inbox_json(request: HttpRequest) -> HttpResponse:
    try:
        limit = min(max(int(request.GET.get("limit", 100)), 1), store.INBOX_KEEP)
    except ValueError:
        limit = 100
    messages = store.inbox_list(to=request.GET.get("to", ""), kind=request.GET.get("kind", ""), limit=limit)
    return JsonResponse({"messages": messages})


@sandbox_only
@csrf_exempt
@require_http_methods(["GET", "PUT", "DELETE"])
def control_faults(request: HttpRequest) -> HttpResponse:
    """Fault injection: GET shows, PUT sets (JSON object), DELETE clears. Needs the API key."""
    if not _api_key_ok(request):
        return _error(401, "INVALID_API_KEY", "Missing or invalid x-api-key.")
    if request.method == "DELETE":
        store.faults_clear()
    elif request.method == "PUT":
        body = _json_body(request)
        if body is None:
            return _error(400, "INVALID_REQUEST", "Body must be a JSON object.")
        try:
            store.faults_set({k: float(v) for k, v in body.items()})
        except (TypeError, ValueError) as exc:
            return _error(400, "INVALID_REQUEST", str(exc))
    return JsonResponse({"faults": store.faults_get()})


@sandbox_only
@require_http_methods(["GET"])
def control_stats(request: HttpRequest) -> HttpResponse:
    """Counters for fault tests: confirm calls, and confirms of an OTP already used."""
    if not _api_key_ok(request):
        return _error(401, "INVALID_API_KEY", "Missing or invalid x-api-key.")
    return JsonResponse({"stats": store.stats_get()})


@sandbox_only
@csrf_exempt
@require_http_methods(["POST"])
def control_reset(request: HttpRequest) -> HttpResponse:
    """Forget all sandbox state (transactions, tokens, cooldowns, counters, inbox, faults)."""
    if not _api_key_ok(request):
        return _error(401, "INVALID_API_KEY", "Missing or invalid x-api-key.")
    store.reset()
    return JsonResponse({"reset": True})


# --- Demo vaccination certificates ------------------------------------------------------------

CERTIFICATE_FILES = {
    "certificate.json": ("zip", "json"),
    "certificate.pdf": ("zip", "pdf"),
    "certificate-utf8.pdf": ("utf8", "pdf"),
    "certificate.png": ("zip", "png"),
    "certificate-utf8.png": ("utf8", "png"),
    "qr.bin": ("zip", "bin"),
    "qr-utf8.bin": ("utf8", "bin"),
}
_CONTENT_TYPES = {
    "json": "application/json",
    "pdf": "application/pdf",
    "png": "image/png",
    "bin": "application/octet-stream",
}


@sandbox_only
@require_http_methods(["GET"])
def certificate_file(request: HttpRequest, mobile: str, filename: str) -> HttpResponse:
    """A demo citizen's certificate: JSON, PDF or PNG, with the QR payload raw or UTF-8 encoded
    (``qr*.bin`` are the QR codes' bytes themselves)."""
    demo = certificates.demo_certificate(mobile)
    if demo is None or filename not in CERTIFICATE_FILES:
        raise Http404
    encoding, kind = CERTIFICATE_FILES[filename]
    signed = json.loads(store.certificate_issued(mobile, lambda: json.dumps(certificates.sign(demo))))
    if kind == "json":
        body = certificates.certificate_json(signed)
    elif kind == "pdf":
        body = certificates.pdf(demo, signed, encoding)
    elif kind == "png":
        body = certificates.png(demo, signed, encoding)
    else:
        body = certificates.qr_payload(signed, encoding)
    response = HttpResponse(body, content_type=_CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="cowin-sandbox-{mobile}-{filename}"'
    return response
