"""Encryption at rest for personal data (mobile numbers, uploaded import files, OTPs and
tokens in flight).

Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`, with MultiFernet so keys can rotate:
FIELD_ENCRYPTION_KEYS lists keys newest first; the first encrypts, all decrypt. Equality
lookups (is this mobile already on file?) use an HMAC of the value, never the plaintext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return _current().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("Encrypted value cannot be decrypted with the configured keys.") from exc


#: Bytes are encrypted in pieces of this size, each its own Fernet token: Fernet makes about
#: six working copies of what it encrypts, so a 10 MB upload would briefly cost 65 MB at once.
BYTES_PIECE = 1024 * 1024


def encrypt_bytes(data: bytes) -> bytes:
    """``data`` encrypted with the newest key: the Fernet tokens (ASCII) of its pieces of
    BYTES_PIECE bytes, one a line."""
    fernet = _current()
    view = memoryview(data)
    return b"\n".join(
        fernet.encrypt(bytes(view[at : at + BYTES_PIECE])) for at in range(0, len(view), BYTES_PIECE)
    )


def decrypt_bytes(tokens: bytes) -> bytes:
    """The plaintext of ``encrypt_bytes``'s output (one token or several, one a line), with
    any configured key; ValueError when none opens it."""
    fernet = _current()
    try:
        return b"".join(fernet.decrypt(token) for token in tokens.split(b"\n"))
    except InvalidToken as exc:
        raise ValueError("Encrypted value cannot be decrypted with the configured keys.") from exc


@lru_cache(maxsize=4)
def _lookup_key(newest_key: str) -> bytes:
    return hashlib.sha256(b"tika/lookup/v1:" + newest_key.encode()).digest()


def lookup_digest(value: str) -> str:
    """A keyed hash for equality lookups of an encrypted value."""
    key = _lookup_key(settings.FIELD_ENCRYPTION_KEYS[0])
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def key_from_secret(secret: str) -> str:
    """A Fernet key derived from a secret (dev and tests only; production sets real keys)."""
    return base64.urlsafe_b64encode(hashlib.sha256(b"tika/field-key/v1:" + secret.encode()).digest()).decode()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; reads give the plaintext (or None)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value in (None, "") else encrypt(str(value))


class EncryptedBinaryField(models.BinaryField):
    """Bytes stored encrypted (a Fernet token); reads give the plaintext. Empty stays empty
    (that is how a dropped file is stored). A value no configured key opens raises ValueError
    on read: callers that must survive a lost key read it on its own and handle that."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> bytes | None:
        if value is None:
            return None
        data = bytes(value)
        return decrypt_bytes(data) if data else b""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        data = bytes(value)
        return encrypt_bytes(data) if data else b""


# --- link tokens --------------------------------------------------------------------------
# A personal link (an employee's invitation, a teammate's invitation) carries a random token of
# TOKEN_BYTES; only its SHA-256 digest is stored to find the row again.

TOKEN_BYTES = 32  # 256 bits


def link_token_new() -> str:
    """A new random link token (URL-safe)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """What is stored of a link token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()
