"""Reminders to employees who were invited and have not answered.

The rules, for the schedule (beat) and for HR's "remind" buttons alike:

- only the employee's live invitation: e-mailed, not revoked, not expired, not used;
- only while the employee has not answered (still "invited": no consent given or declined);
- never more than one e-mail a day per employee: nothing within 24 hours of the invitation
  e-mail or of the last reminder;
- by the schedule, a reminder is due once the invitation is ``d`` days old for a ``d`` in the
  organization's ``reminder_days`` (e.g. [3, 7]), if none has gone out since that day came.
  Missed days (beat was down) collapse into one reminder, never a burst.

HR's button skips only the schedule. Each reminder is checked again under a row lock just
before it is sent, so the beat and the button (or two beats) never send it twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from tenants.selectors import organization_current
from verification import events
from verification.events import Actor
from verification.invitations.services import invitation_deliver
from verification.models import Channel, Consent, Employee, Invitation, Progress
from verification.queue import Task, enqueue

MIN_GAP = timedelta(days=1)


MAX_REMINDER_DAY = 365


def reminder_days_clean(days: object) -> list[int]:
    """The organization's schedule as sorted whole days (1..365); anything else is dropped."""
    if not isinstance(days, list | tuple):
        return []
    clean = set()
    for day in days:
        try:
            number = int(day)
        except (TypeError, ValueError):
            continue
        if 1 <= number <= MAX_REMINDER_DAY:
            clean.add(number)
    return sorted(clean)


def _schedule_q(days: Iterable[int], now: datetime) -> Q:
    """Due by the schedule: some schedule day has come and no reminder went out since."""
    due = Q(pk__in=[])  # matches nothing: an empty schedule sends nothing
    for day in days:
        step = timedelta(days=day)
        due |= Q(sent_at__lte=now - step) & (
            Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=F("sent_at") + step)
        )
    return due


def reminders_next_due() -> datetime | None:
    """When the schedule next makes a reminder due in this organization (None: never, as
    things stand). For each invitation still waiting for an answer: the first schedule day
    not yet covered by a reminder, no sooner than the one-a-day gap allows, before it
    expires. Earlier than the truth is harmless (the visit finds nothing and asks again)."""
    organization = organization_current()
    days = reminder_days_clean(organization.reminder_days if organization else [])
    if not days:
        return None
    now = timezone.now()
    answered = Consent.objects.filter(invitation=OuterRef("pk"))
    waiting = (
        Invitation.objects.filter(
            revoked_at__isnull=True,
            used_at__isnull=True,
            sent_at__isnull=False,
            expires_at__gt=now,
            employee__is_active=True,
            employee__progress=Progress.INVITED,
        )
        .exclude(Exists(answered))
        .values_list("sent_at", "last_reminded_at", "expires_at")
    )
    best: datetime | None = None
    for sent_at, last_reminded_at, expires_at in waiting.iterator():
        if sent_at is None:  # excluded by the filter; for the type checker
            continue
        for day in days:
            point = sent_at + timedelta(days=day)
            if last_reminded_at is not None and last_reminded_at >= point:
                continue  # this schedule day is covered
            at = max(point, sent_at + MIN_GAP, (last_reminded_at or sent_at) + MIN_GAP)
            if at < expires_at and (best is None or at < best):
                best = at
            break
    return best


def invitations_to_remind(*, now: datetime | None = None, manual: bool = False) -> QuerySet[Invitation]:
    """Invitations whose employee should get a reminder now (by the schedule of the current
    organization, or, with ``manual``, whatever the schedule says)."""
    now = now or timezone.now()
    answered = Consent.objects.filter(invitation=OuterRef("pk"))
    candidates = (
        Invitation.objects.filter(
            revoked_at__isnull=True,
            used_at__isnull=True,
            sent_at__isnull=False,
            sent_at__lte=now - MIN_GAP,
            expires_at__gt=now,
            employee__is_active=True,
            employee__progress=Progress.INVITED,
        )
        # A printed letter cannot be sent again; e-mail and SMS are reminded the same way.
        .exclude(channel=Channel.LETTER)
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=now - MIN_GAP))
        .exclude(Exists(answered))
    )
    if manual:
        return candidates
    organization = organization_current()
    days = reminder_days_clean(organization.reminder_days if organization else [])
    return candidates.filter(_schedule_q(days, now))


def reminder_send(*, invitation_id: int, manual: bool = False, actor: Actor = None) -> bool:
    """E-mail one reminder if the rules allow it right now; True if one was sent.

    The invitation is locked and the rules checked again first, so a second caller (another
    beat run, the button) waits, then finds it reminded today and sends nothing.
    """
    now = timezone.now()
    with transaction.atomic():
        invitation = (
            invitations_to_remind(now=now, manual=manual)
            .select_for_update(of=("self",))
            .select_related("employee")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None:
            return False
        invitation_deliver(invitation, template="reminder")
        invitation.reminder_count += 1
        invitation.last_reminded_at = now
        invitation.save(update_fields=["reminder_count", "last_reminded_at"])
        events.reminder_sent(invitation, actor=actor, manual=manual)
    return True


def reminders_send(*, manual: bool = False, actor: Actor = None) -> int:
    """Send every reminder due now in this organization, one by one; return how many went.

    For small runs and tests; the beat and the button go through
    ``verification.tasks.reminders_plan_task``, which spreads the work over tasks.
    """
    ids = list(invitations_to_remind(manual=manual).values_list("pk", flat=True))
    return sum(reminder_send(invitation_id=pk, manual=manual, actor=actor) for pk in ids)


def reminder_request(*, employee: Employee, actor: Actor) -> bool:
    """HR asked to remind ``employee`` now: queue one reminder of their live invitation if the
    rules allow it (checked again when it is sent). False if there is nothing to remind."""
    invitation = invitations_to_remind(manual=True).filter(employee=employee).first()
    if invitation is None:
        return False
    enqueue(Task.REMINDERS_SEND, [invitation.pk], True, actor.pk if actor is not None else None)
    return True


def reminders_request(*, actor: Actor) -> int:
    """HR asked to remind everyone who has not answered, now (the rules without the schedule);
    returns how many are due. The work is spread over tasks."""
    due = invitations_to_remind(manual=True).count()
    if due:
        enqueue(Task.REMINDERS_PLAN, True, actor.pk if actor is not None else None)
    return due


#: Reminders per task when HR reminds many at once (as the beat's plan batches them).
REQUEST_BATCH = 50


def reminders_request_for(*, employees: Iterable[Employee], actor: Actor) -> int:
    """HR asked to remind these employees now: queue one reminder of each one's live invitation
    that the rules allow (checked again when it is sent), in batches; return how many."""
    ids = list(
        invitations_to_remind(manual=True)
        .filter(employee__in=[e.pk for e in employees])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    actor_id = actor.pk if actor is not None else None
    for start in range(0, len(ids), REQUEST_BATCH):
        enqueue(Task.REMINDERS_SEND, ids[start : start + REQUEST_BATCH], True, actor_id)
    return len(ids)
