"""The sandbox's state, in Redis so that every web process shares it.

Transactions (one per OTP), tokens, resend cooldowns, the rate-limit window, the dev inbox, the
demo certificates issued and the fault settings. Keys start with KYCVS_SANDBOX_REDIS_PREFIX;
OTPs and tokens are stored hashed.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings
from django.utils import timezone

INBOX_KEEP = 500
FAULT_FIELDS = (
    "latency_ms",
    "error_rate",
    "timeout_rate",
    "timeout_s",
    "burst_429",
    "burst_503",
    "burst_timeout",
)


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


def _r() -> redis.Redis:
    return _client(settings.KYCVS_SANDBOX_REDIS_URL)


def _key(*parts: str) -> str:
    return ":".join((settings.KYCVS_SANDBOX_REDIS_PREFIX, *parts))


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- OTP transactions ---------------------------------------------------------------------


@dataclass
class Transaction:
    mobile: str
    name: str
    otp_sha256: str
    wrong_attempts: int = 0


def cooldown_left(mobile: str) -> int:
    ttl = int(_r().ttl(_key("cooldown", _digest(mobile))))  # type: ignore[arg-type]
    return max(ttl, 0)


def transaction_start(*, mobile: str, name: str, otp: str) -> str | None:
    """Record a new OTP transaction; None if the number is still in its resend cooldown."""
    cooldown = settings.KYCVS_SANDBOX_RESEND_COOLDOWN_S
    if not _r().set(_key("cooldown", _digest(mobile)), "1", nx=True, ex=cooldown):
        return None
    txn_id = str(uuid.uuid4())
    record = Transaction(mobile=mobile, name=name, otp_sha256=_digest(otp))
    _r().set(_key("txn", txn_id), json.dumps(asdict(record)), ex=settings.KYCVS_SANDBOX_OTP_TTL_S)
    return txn_id


def transaction_get(txn_id: str) -> Transaction | None:
    raw = _r().get(_key("txn", txn_id))
    return Transaction(**json.loads(raw)) if raw else None  # type: ignore[arg-type]


def transaction_wrong_attempt(txn_id: str, txn: Transaction) -> int:
    """Count a wrong OTP; return the tries left (the transaction ends at zero)."""
    txn.wrong_attempts += 1
    left = settings.KYCVS_SANDBOX_MAX_WRONG_OTP - txn.wrong_attempts
    if left <= 0:
        _r().delete(_key("txn", txn_id))
        return 0
    _r().set(_key("txn", txn_id), json.dumps(asdict(txn)), keepttl=True)
    return left


# Delete the transaction and, only if this call deleted it, mark its OTP used: one round trip,
# and two confirms racing for one OTP still see exactly one winner.
_FINISH = """
if redis.call('DEL', KEYS[1]) == 1 then
  redis.call('SET', KEYS[2], '1', 'EX', ARGV[1])
  return 1
end
return 0
"""


def transaction_finish(txn_id: str) -> bool:
    """End the transaction (its OTP is single-use); False if someone else already did."""
    return bool(_r().eval(_FINISH, 2, _key("txn", txn_id), _key("used", txn_id), 3600))


# Count a confirm call, and whether its OTP had already been used; answer the transaction.
_CONFIRM_CALL = """
redis.call('HINCRBY', KEYS[1], 'confirm_calls', 1)
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'repeat_confirms', 1)
end
return redis.call('GET', KEYS[3])
"""


def confirm_call(txn_id: str) -> Transaction | None:
    """Count a confirm call (and a repeat confirm of an OTP already used) and return the
    transaction it names (None if it expired, ended or never was): one round trip."""
    raw = _r().eval(_CONFIRM_CALL, 3, _key("stats"), _key("used", txn_id), _key("txn", txn_id))
    return Transaction(**json.loads(raw)) if raw else None  # type: ignore[arg-type]


def stats_get() -> dict[str, int]:
    raw: dict[str, str] = _r().hgetall(_key("stats"))  # type: ignore[assignment]
    return {
        "confirm_calls": int(raw.get("confirm_calls", 0)),
        "repeat_confirms": int(raw.get("repeat_confirms", 0)),
    }


# --- Tokens -------------------------------------------------------------------------------


def token_issue(*, mobile: str, name: str, txn_id: str) -> str:
    token = uuid.uuid4().hex + uuid.uuid4().hex
    payload = json.dumps({"mobile": mobile, "name": name, "txn": txn_id})
    _r().set(_key("token", _digest(token)), payload, ex=settings.KYCVS_SANDBOX_TOKEN_TTL_S)
    return token


def token_get(token: str) -> dict[str, str] | None:
    raw = _r().get(_key("token", _digest(token)))
    return json.loads(raw) if raw else None  # type: ignore[arg-type]


# --- Rate limit ---------------------------------------------------------------------------


def rate_limit_hit(api_key: str) -> int:
    """Count one call; return 0 if allowed, else the seconds until the window ends."""
    limit, window = settings.KYCVS_SANDBOX_RATE_LIMIT
    now = int(time.time())
    start = now - now % window
    key = _key("rate", _digest(api_key)[:16], str(start))
    pipe = _r().pipeline()
    pipe.incr(key)
    pipe.expire(key, window + 5)
    count = int(pipe.execute()[0])
    return 0 if count <= limit else max(1, start + window - now)


# --- Dev inbox ----------------------------------------------------------------------------


def inbox_deliver(*, kind: str, to: str, text: str, subject: str = "", html: str = "") -> None:
    """Put a message into the dev inbox (instead of sending an SMS or an e-mail)."""
    message = {
        "id": uuid.uuid4().hex,
        "kind": kind,
        "to": to,
        "subject": subject,
        "text": text,
        "html": html,
        "time": timezone.now().isoformat(),
    }
    pipe = _r().pipeline()
    pipe.lpush(_key("inbox"), json.dumps(message))
    pipe.ltrim(_key("inbox"), 0, INBOX_KEEP - 1)
    pipe.execute()


def inbox_list(*, to: str = "", kind: str = "", limit: int = 100) -> list[dict[str, Any]]:
    """Messages, newest first, optionally for one recipient or of one kind."""
    messages = [json.loads(m) for m in _r().lrange(_key("inbox"), 0, INBOX_KEEP - 1)]  # type: ignore[union-attr]
    if to:
        messages = [m for m in messages if m["to"] == to]
    if kind:
        messages = [m for m in messages if m["kind"] == kind]
    return messages[:limit]


# --- Demo vaccination certificates --------------------------------------------------------


def certificate_issued(mobile: str, issue: Callable[[], str]) -> str:
    """The certificate issued to this number, issuing it with ``issue()`` the first time.

    Kept in Redis so every process serves the same signed credential (an RSA-PSS signature is
    different each time it is made); the first process to store one wins.
    """
    key = _key("certificate", mobile)
    existing = _r().get(key)
    if existing:
        return str(existing)
    _r().set(key, issue(), nx=True)
    return str(_r().get(key))


# --- Faults -------------------------------------------------------------------------------


def faults_get() -> dict[str, float]:
    current: dict[str, float] = {**settings.KYCVS_SANDBOX_FAULTS}
    stored: dict[str, str] = _r().hgetall(_key("faults"))  # type: ignore[assignment]
    current.update({k: float(v) for k, v in stored.items()})
    return {field: float(current.get(field, 0)) for field in FAULT_FIELDS}


def faults_set(values: dict[str, float]) -> dict[str, float]:
    unknown = set(values) - set(FAULT_FIELDS)
    if unknown:
        raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
    if values:
        _r().hset(_key("faults"), mapping={k: str(float(v)) for k, v in values.items()})
    return faults_get()


def faults_clear() -> None:
    _r().delete(_key("faults"))


BURSTS = ("burst_429", "burst_503", "burst_timeout")


def burst_take(field: str) -> bool:
    """Use up one answer of a burst (``BURSTS``: the next N calls fail that way); True while
    the burst lasts. Atomic, so concurrent calls never take more answers than N."""
    left = _r().hincrbyfloat(_key("faults"), field, -1)
    if float(left) >= 0:
        return True
    _r().hset(_key("faults"), field, "0")
    return False


def reset() -> None:
    """Forget everything: transactions, tokens, cooldowns, counters, inbox, faults."""
    keys = list(_r().scan_iter(match=_key("*"), count=1000))
    if keys:
        _r().delete(*keys)
