"""Secrets that travel in URL paths never reach a log line.

An employee's consent link (``/c/<token>/...``), a teammate's join link
(``/account/join/<token>/``), a new Owner's sign-in ticket (``/account/welcome/<token>/``) and a
password-reset link
(``/accounts/password-reset/<uidb64>/<token>/``) are secrets: whoever reads one can act as its
owner. Django logs paths ("Not Found: ...", CSRF refusals), django-axes logs the path of every
sign-in, gunicorn logs every request line. ``TokenScrubFilter`` sits on every log handler
(settings.LOGGING, gunicorn's loggers by ``portal.gunicorn_conf``, Celery's by
``portal.celery``) and replaces those path segments with ``[redacted]``: in the message and its
``%`` arguments (tuple or mapping), in a traceback, and in a ``request`` attached to the record.

Pure Python, no Django settings: gunicorn's master loads it before Django is set up.
"""

from __future__ import annotations

import copy
import logging
import re
import traceback
from typing import Any

MARKER = "[redacted]"

_SLASH = r"(?:/|%2[fF])"
# A path segment: up to the next slash (plain or %-encoded), query, fragment, space or quote.
_SEGMENT = r"(?:(?!%2[fF])[^/\s?#&\"'<>(){},;])+"
_SECRET_PATHS = re.compile(
    rf"(?P<prefix>{_SLASH}c{_SLASH}|{_SLASH}account{_SLASH}(?:join|welcome){_SLASH})(?P<secret>{_SEGMENT})"
    rf"|(?P<reset>{_SLASH}accounts{_SLASH}password-reset{_SLASH})"
    rf"(?P<uid>{_SEGMENT})(?P<sep>{_SLASH})(?P<token>{_SEGMENT})"
)


def _replace(match: re.Match[str]) -> str:
    if match.group("prefix"):
        return match.group("prefix") + MARKER
    return match.group("reset") + MARKER + match.group("sep") + MARKER


def scrub(text: str) -> str:
    """``text`` with the secret segments of consent, join and password-reset paths replaced."""
    return _SECRET_PATHS.sub(_replace, text)


def _scrubbed_request(request: Any) -> Any:
    """A shallow copy of an HttpRequest whose path, query string, referrer and URL kwargs
    carry no secret; the request itself is left alone (it is still being served)."""
    meta = getattr(request, "META", None)
    path = getattr(request, "path", None)
    if not isinstance(path, str) or not isinstance(meta, dict):
        return request
    clone = copy.copy(request)
    clone.path = scrub(path)
    clone.path_info = scrub(getattr(request, "path_info", path))
    clone.META = {key: scrub(value) if isinstance(value, str) else value for key, value in meta.items()}
    clone.resolver_match = None  # its kwargs hold the token
    clone.__dict__.pop("GET", None)  # parsed again from the scrubbed query string
    return clone


class TokenScrubFilter(logging.Filter):
    """Rewrites a record so that no secret path segment is left in it (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record: let the handler report it as it would
            return True
        scrubbed = scrub(message)
        if scrubbed != message:
            # Formatted once here, so neither the format string nor its arguments (a tuple or,
            # as in gunicorn's access log, a mapping) can bring the secret back.
            record.msg, record.args = scrubbed, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
            # The formatted traceback stands in for the exception: a formatter cannot render
            # the raw one (its message may hold the path) again.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        request = getattr(record, "request", None)
        if request is not None:
            record.request = _scrubbed_request(request)
        return True
