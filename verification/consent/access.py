"""Who may see an employee's status and data through their link, and for how long."""

from __future__ import annotations

import enum
import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_mark
from verification import events, ratelimit
from verification.errors import ErrorCode
from verification.models import Invitation, VerificationAttempt, ViewCode
from verification.queue import Task, enqueue

SESSION_KEY = "tika_links"


CODE_DIGITS = 6


def link_use_record(*, invitation: Invitation) -> None:
    """Record a use of the link now (at most one write per LINK_USE_WRITE_INTERVAL_S)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.LINK_USE_WRITE_INTERVAL_S)
    if invitation.last_used_at is not None and invitation.last_used_at > stale:
        return
    Invitation.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale), pk=invitation.pk
    ).update(last_used_at=now)
    invitation.last_used_at = now


def link_last_use(invitation: Invitation) -> datetime:
    return invitation.last_used_at or invitation.used_at or invitation.opened_at or invitation.created_at


def link_view_expired(invitation: Invitation, *, days: int) -> bool:
    """True once ``days`` have passed since the link's last use."""
    return timezone.now() >= link_last_use(invitation) + timedelta(days=days)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _entry(session: SessionBase, invitation: Invitation) -> dict[str, Any]:
    links: dict[str, Any] = session.get(SESSION_KEY, {})
    entry: dict[str, Any] = links.get(str(invitation.pk), {})
    return entry


def _store(session: SessionBase, invitation: Invitation, **values: Any) -> None:
    links = dict(session.get(SESSION_KEY, {}))
    links[str(invitation.pk)] = {**links.get(str(invitation.pk), {}), **values}
    session[SESSION_KEY] = links
    # The employee's browser session now has a row to delete once it expires (it may be
    # kept longer later: the sessions job then finds the later expiry and waits for it).
    due_work_mark(kind=DueKind.SESSIONS, at=session.get_expiry_date())


def _keep(session: SessionBase, invitation: Invitation, *, days: int, keep_cookie: bool) -> None:
    """The submitting session may look for ``days`` from now; its cookie lives as long."""
    _store(session, invitation, until=time.time() + days * 86400)
    if keep_cookie:
        session.set_expiry(days * 86400)


def session_submitter(session: SessionBase, invitation: Invitation, *, days: int, keep_cookie: bool) -> str:
    """Give this session a new submission id for ``invitation``; return its digest, to be kept
    on the attempt whose OTP the session submits (if that OTP verifies, the session may see
    the result for ``days`` after its last look). ``keep_cookie``: the session is anonymous,
    so its cookie may be kept that long too."""
    submission = secrets.token_urlsafe(24)
    _store(session, invitation, submission=submission)
    _keep(session, invitation, days=days, keep_cookie=keep_cookie)
    return _digest(submission)


def session_grant(session: SessionBase, invitation: Invitation) -> None:
    """Let this session see the status and data of ``invitation`` for VIEW_CODE_GRANT_S."""
    _store(session, invitation, code_until=time.time() + settings.VIEW_CODE_GRANT_S)


def _session_allowed(session: SessionBase, invitation: Invitation) -> str:
    """How this session may look: "code", "submitter" (it verified), or "" (it may not)."""
    entry = _entry(session, invitation)
    now = time.time()
    if float(entry.get("code_until", 0)) > now:
        return "code"
    submission = entry.get("submission")
    if not submission or float(entry.get("until", 0)) <= now:
        return ""
    verified = VerificationAttempt.objects.filter(
        consent__invitation=invitation,
        state=VerificationAttempt.State.VERIFIED,
        otp_submitter=_digest(submission),
    ).exists()
    return "submitter" if verified else ""


class ViewAccess(enum.StrEnum):
    ALLOWED = "allowed"
    NEEDS_CODE = "needs_code"  # this browser never proved it is the employee's
    VIEW_EXPIRED = "view_expired"  # the link was not used for link_view_days


def view_access(session: SessionBase, invitation: Invitation, *, days: int, keep_cookie: bool) -> ViewAccess:
    """May this browser session see the status and data of ``invitation`` now? An allowed
    look is a use of the link, and keeps the verifying session for ``days`` more (written at
    most once per LINK_USE_WRITE_INTERVAL_S)."""
    if link_view_expired(invitation, days=days):
        return ViewAccess.VIEW_EXPIRED
    how = _session_allowed(session, invitation)
    if not how:
        return ViewAccess.NEEDS_CODE
    link_use_record(invitation=invitation)
    until = float(_entry(session, invitation).get("until", 0))
    if how == "submitter" and until < time.time() + days * 86400 - settings.LINK_USE_WRITE_INTERVAL_S:
        _keep(session, invitation, days=days, keep_cookie=keep_cookie)
    return ViewAccess.ALLOWED


def _code_hash(invitation_id: int, code: str) -> str:
    # Keyed: six digits are quickly guessed from a plain hash.
    return salted_hmac("tika.view-code", f"{invitation_id}:{code}", algorithm="sha256").hexdigest()


def view_code_request(*, invitation: Invitation, ip: str | None) -> ErrorCode | None:
    """E-mail a fresh one-time code to the employee's address on file (by a worker, after
    commit); earlier codes of this link stop working. Returns VIEW_CODE_LIMIT when the
    employee's hourly limit is reached, else None: also when this client address is over its
    own limit, in which case nothing is sent and the caller cannot tell. Audited, never the code.
    """
    if not ratelimit.view_code_address_allowed(ip or ""):
        events.view_code_requested(invitation, ip=ip, sent=False, refused="address_limit")
        return None
    if not ratelimit.view_code_allowed(invitation.employee_id):
        events.view_code_requested(invitation, ip=ip, sent=False, refused="employee_limit")
        return ErrorCode.VIEW_CODE_LIMIT
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    with transaction.atomic():
        ViewCode.objects.filter(invitation=invitation, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now, code=None
        )
        view_code = ViewCode.objects.create(
            invitation=invitation,
            code_hash=_code_hash(invitation.pk, code),
            code=code,
            expires_at=now + timedelta(seconds=settings.VIEW_CODE_TTL_S),
            tries_left=settings.VIEW_CODE_MAX_TRIES,
            ip_address=ip,
        )
        events.view_code_requested(invitation, ip=ip, sent=True)
        enqueue(Task.VIEW_CODE_SEND, view_code.pk)
    return None


def view_code_send(*, view_code_id: int) -> bool:
    """E-mail the code (once, while it is valid) to the address on file, then forget it (only
    its hash stays). Returns False if there was nothing to send."""
    from verification.invitations.services import view_code_email_send

    with transaction.atomic():
        view_code = (
            ViewCode.objects.select_for_update(of=("self",))
            .select_related("invitation__employee")
            .filter(pk=view_code_id)
            .first()
        )
        if view_code is None or view_code.sent_at or not view_code.code:
            return False
        if view_code.expires_at <= timezone.now():
            view_code.code = None
            view_code.save(update_fields=["code"])
            return False
        view_code_email_send(
            invitation=view_code.invitation, code=view_code.code, expires_at=view_code.expires_at
        )
        view_code.code = None
        view_code.sent_at = timezone.now()
        view_code.save(update_fields=["code", "sent_at"])
    return True


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    error: ErrorCode | None = None
    tries_left: int = 0


def view_code_check(*, invitation: Invitation, code: str, ip: str | None) -> CodeCheck:
    """Check the code typed for ``invitation`` against its newest one: right (it is used up,
    and the link counts as used), wrong (one try fewer; none left ends the code), or expired.
    The caller then lets the session see the status (``session_grant``)."""
    code = code.strip()
    with transaction.atomic():
        view_code = (
            ViewCode.objects.select_for_update()
            .filter(invitation=invitation, used_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        now = timezone.now()
        if view_code is None or view_code.expires_at <= now or view_code.tries_left <= 0:
            events.view_code_failed(invitation, ip=ip, reason="expired", tries_left=0)
            return CodeCheck(ok=False, error=ErrorCode.VIEW_CODE_EXPIRED)
        if not constant_time_compare(view_code.code_hash, _code_hash(invitation.pk, code)):
            view_code.tries_left -= 1
            view_code.save(update_fields=["tries_left"])
            events.view_code_failed(invitation, ip=ip, reason="wrong", tries_left=view_code.tries_left)
            if view_code.tries_left <= 0:
                return CodeCheck(ok=False, error=ErrorCode.VIEW_CODE_EXPIRED)
            return CodeCheck(ok=False, error=ErrorCode.VIEW_CODE_WRONG, tries_left=view_code.tries_left)
        view_code.used_at = now
        view_code.code = None
        view_code.save(update_fields=["used_at", "code"])
        events.view_code_used(invitation, ip=ip)
        link_use_record(invitation=invitation)
    return CodeCheck(ok=True)
