"""Verifications driven the way employees drive them, for ``bench.verify`` and ``bench.faults``.

A *batch* is N employees of one organization, made through the services (``employee_create``,
``invitation_create``, ``consent_give``), each with a mobile number of its own (the sandbox's
resend cooldown is per number; numbers it does not know are "not vaccinated"). Then:

1. ``batch_start``: ``attempt_start`` for each, as the details page does; a worker asks the
   sandbox for the OTP, which lands in the sandbox's SMS inbox.
2. ``wait_until`` every attempt has its OTP (or ended), then ``sandbox.otps()`` reads the SMS.
3. ``otps_submit``: ``attempt_submit_otp`` for each, as the OTP page does; the time of each
   submit is recorded.
4. ``wait_terminal``: the database is polled until every attempt has ended (verified, failed,
   expired or cancelled); the time each one was first seen ended is recorded.

Nothing here talks to a worker directly: the services enqueue, real workers do the rest, and
the database says where each attempt stands.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count
from django_tenants.utils import tenant_context

from bench.server import Server
from tenants.models import Organization
from verification.attempts.steps import attempt_start, attempt_submit_otp
from verification.consent.services import consent_give
from verification.employees.services import employee_create
from verification.invitations.services import invitation_create
from verification.models import StatusRecord, VerificationAttempt

State = VerificationAttempt.State
#: Where an attempt stops: the status was recorded, or the employee was told it failed.
ENDED = (State.VERIFIED, State.FAILED, State.EXPIRED, State.CANCELLED)
FIRST_MOBILE = 9_700_000_000  # valid Indian mobiles, unknown to the sandbox's registry
POLL_S = 0.025


class PipelineError(RuntimeError):
    """The pipeline did not get where it should in time."""


class SandboxControl:
    """The sandbox's control endpoints and SMS inbox, over HTTP on the bench server."""

    def __init__(self, server: Server) -> None:
        self._http = server.client(timeout=30)
        self._http.headers["x-api-key"] = settings.KYCVS_SANDBOX_API_KEY

    def reset(self) -> None:
        """Forget transactions, cooldowns, counters, inbox and faults (of this run's prefix)."""
        self._http.post("/sandbox/control/reset").raise_for_status()

    def faults(self, **values: float) -> None:
        """Set fault rates (``/sandbox/control/faults``); ``faults()`` with nothing clears them."""
        if values:
            self._http.put("/sandbox/control/faults", json=values).raise_for_status()
        else:
            self._http.delete("/sandbox/control/faults").raise_for_status()

    def stats(self) -> dict[str, int]:
        """``confirm_calls`` and ``repeat_confirms`` (confirms of an OTP already used)."""
        response = self._http.get("/sandbox/control/stats")
        response.raise_for_status()
        stats: dict[str, int] = response.json()["stats"]
        return stats

    def otps(self) -> dict[str, str]:
        """The newest OTP sent to each number (``+91...``), read from the SMS as a person would."""
        response = self._http.get("/sandbox/inbox.json", params={"kind": "sms", "limit": 500})
        response.raise_for_status()
        found: dict[str, str] = {}
        for message in response.json()["messages"]:  # newest first
            match = re.search(r"\b(\d{6})\b", message["text"])
            if match:
                found.setdefault(message["to"], match.group(1))
        return found


@dataclass
class Batch:
    organization: Organization
    #: attempt id -> the employee's mobile (+91...)
    mobiles: dict[int, str]
    #: attempt id -> time.perf_counter() of its OTP submit / of first being seen ended
    submitted: dict[int, float] = field(default_factory=dict)
    ended: dict[int, float] = field(default_factory=dict)

    @property
    def ids(self) -> list[int]:
        return list(self.mobiles)

    def states(self) -> dict[int, str]:
        with tenant_context(self.organization):
            return dict(VerificationAttempt.objects.filter(pk__in=self.ids).values_list("pk", "state"))


def batch_start(organization: Organization, count: int, *, first: int = 0) -> Batch:
    """Make ``count`` consenting employees and start verifying each (the OTP requests are queued).

    ``first``: the number of the first (codes and mobiles follow from it), for a second batch
    in the same organization.
    """
    mobiles: dict[int, str] = {}
    with tenant_context(organization):
        for i in range(first, first + count):
            mobile = str(FIRST_MOBILE + i)
            name = f"Bench Employee {i}"
            # The number on file: the usual road (another number would await HR's review).
            employee = employee_create(
                code=f"B-{i:05d}",
                full_name=name,
                email=f"e{i}-{uuid.uuid4().hex[:6]}@bench.example",
                mobile=mobile,
            )
            invitation = invitation_create(employee=employee)
            given = consent_give(invitation=invitation, language="en", ip="127.0.0.1", user_agent="bench")
            attempt = attempt_start(consent=given, mobile=mobile, full_name=name, ip="127.0.0.1")
            mobiles[attempt.pk] = f"+91{mobile}"
    return Batch(organization=organization, mobiles=mobiles)


def wait_until(
    condition: Callable[[], bool], *, timeout: float, what: str, check: Callable[[], None] | None = None
) -> None:
    """Poll ``condition``; ``check`` (if given) raises when a process it watches has died."""
    deadline = time.monotonic() + timeout
    while not condition():
        if check is not None:
            check()
        if time.monotonic() > deadline:
            raise PipelineError(f"{what}: not done after {timeout:.0f} s")
        time.sleep(POLL_S * 4)


def otps_sent(batch: Batch) -> bool:
    """True once no attempt is still waiting for its OTP to be sent."""
    return State.CREATED not in batch.states().values()


def otps_submit(batch: Batch, otps: dict[str, str]) -> int:
    """Submit each waiting attempt's OTP through the service; return how many were submitted."""
    with tenant_context(batch.organization):
        waiting = VerificationAttempt.objects.filter(pk__in=batch.ids, state=State.OTP_SENT)
        for attempt in waiting:
            otp = otps.get(batch.mobiles[attempt.pk])
            if otp is None:
                continue
            batch.submitted[attempt.pk] = time.perf_counter()
            attempt_submit_otp(attempt=attempt, otp=otp, ip="127.0.0.1")
    return len(batch.submitted)


def poll_ended(batch: Batch) -> int:
    """Record when each attempt is first seen ended; return how many have ended."""
    pending = [pk for pk in batch.ids if pk not in batch.ended]
    if pending:
        with tenant_context(batch.organization):
            done = VerificationAttempt.objects.filter(pk__in=pending, state__in=ENDED)
            now = time.perf_counter()
            for pk in done.values_list("pk", flat=True):
                batch.ended[pk] = now
    return len(batch.ended)


def wait_terminal(
    batch: Batch,
    *,
    timeout: float,
    check: Callable[[], None] | None = None,
    tick: Callable[[], Any] | None = None,
) -> bool:
    """Poll until every attempt has ended (True) or ``timeout`` passed (False).

    ``tick`` runs on every round (a scenario that provokes a fault mid-run uses it).
    """
    deadline = time.monotonic() + timeout
    while poll_ended(batch) < len(batch.mobiles):
        if check is not None:
            check()
        if tick is not None:
            tick()
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_S)
    return True


def outcome(batch: Batch) -> dict[str, Any]:
    """What the database says about the batch: how attempts ended, and duplicate records."""
    with tenant_context(batch.organization):
        rows = VerificationAttempt.objects.filter(pk__in=batch.ids).values_list("state", "error_code")
        states = Counter(state for state, _ in rows)
        failure_codes = Counter(
            f"{state}:{code or '-'}" for state, code in rows if state in ENDED and state != State.VERIFIED
        )
        duplicates = StatusRecord.objects.values("employee").annotate(n=Count("pk")).filter(n__gt=1).count()
        records = StatusRecord.objects.filter(attempt__in=batch.ids).count()
    completed = states[State.VERIFIED]
    failed = sum(states[s] for s in ENDED if s != State.VERIFIED)
    return {
        "started": len(batch.mobiles),
        "completed": completed,
        "failed": failed,
        "stuck": len(batch.mobiles) - completed - failed,
        "status_records": records,
        "duplicate_status_records": duplicates,
        "failure_codes": dict(sorted(failure_codes.items())),
    }
