"""The due-work index (tenants/duework.py) as the features keep it: beat visits only the
organizations with work due, the visit settles the index from the schema's rows, and the
nightly rebuild finds an entry that was lost."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from portal.testing import OrgFixture
from tenants.duework import Kind, due_work_rebuild, due_work_settle, organizations_due
from tenants.models import DueWork
from tenants.tasks import for_each_due_organization
from verification import events
from verification.consent.services import consent_give, consent_withdraw
from verification.employees.services import employee_set_active
from verification.invitations.reminders import reminders_next_due
from verification.invitations.services import invitation_send
from verification.models import Invitation, VerificationAttempt
from verification.tests.factories import EmployeeFactory, ImportJobFactory, InvitationFactory

State = VerificationAttempt.State
FAR = timedelta(days=400)


def _forget(*orgs: OrgFixture) -> None:
    DueWork.objects.filter(organization__schema_name__in=[org.schema_name for org in orgs]).delete()


def _due(org: OrgFixture, kind: Kind):  # type: ignore[no-untyped-def]
    return (
        DueWork.objects.filter(organization__schema_name=org.schema_name, kind=kind)
        .values_list("due_at", flat=True)
        .first()
    )


def _due_slugs(kind: Kind, *, at=None) -> set[str]:  # type: ignore[no-untyped-def]
    return set(organizations_due(kind=kind, now=at).values_list("slug", flat=True))


def _waiting_attempt(org: OrgFixture, *, next_action_at) -> VerificationAttempt:  # type: ignore[no-untyped-def]
    """The row attempt_start() writes (its message not sent): the sweep's business."""
    with schema_context(org.schema_name):
        invitation = InvitationFactory.create()
        given = consent_give(invitation=invitation, language="en", ip=None, user_agent="")
        return VerificationAttempt.objects.create(
            employee=invitation.employee,
            consent=given,
            mobile="+919000000001",
            full_name=invitation.employee.full_name,
            next_action_at=next_action_at,
        )


@pytest.mark.django_db
def test_an_idle_organization_gets_no_visit_and_a_busy_one_only_its_own(org_a, org_b, settings):
    _forget(org_a, org_b)
    now = timezone.now()
    _waiting_attempt(org_a, next_action_at=now)
    grace = timedelta(seconds=settings.VERIFICATION_SWEEP_GRACE_S)

    # Org A's attempt is due once the sweep's grace has passed; org B has nothing of any kind.
    assert _due(org_a, Kind.ATTEMPTS) == now + grace
    assert org_a.slug not in _due_slugs(Kind.ATTEMPTS, at=now)
    assert org_a.slug in _due_slugs(Kind.ATTEMPTS, at=now + grace)
    for kind in Kind:
        assert org_b.slug not in _due_slugs(kind, at=now + FAR), kind
    assert not DueWork.objects.filter(organization__schema_name=org_b.schema_name).exists()
    # The audit event of the consent touched org A's snapshot; nothing else is due there.
    assert _due_slugs(Kind.SNAPSHOT, at=now + timedelta(seconds=1)) >= {org_a.slug}
    for kind in (Kind.REMINDERS, Kind.RETENTION, Kind.SESSIONS, Kind.IMPORTS):
        assert org_a.slug not in _due_slugs(kind, at=now + FAR), kind


@pytest.mark.django_db
def test_the_visit_settles_the_exact_next_deadline(org_a, settings):
    _forget(org_a)
    now = timezone.now()
    attempt = _waiting_attempt(org_a, next_action_at=now - timedelta(minutes=5))
    assert _due(org_a, Kind.ATTEMPTS) <= now
    with schema_context(org_a.schema_name):
        # The worker sent the OTP meanwhile: the next thing the sweep does is expire it.
        expires = now + timedelta(minutes=3)
        VerificationAttempt.objects.filter(pk=attempt.pk).update(state=State.OTP_SENT, otp_expires_at=expires)
        assert due_work_settle(kind=Kind.ATTEMPTS) == expires
        assert _due(org_a, Kind.ATTEMPTS) == expires
        # Finished: nothing left for the sweep, the organization drops out of its visits.
        VerificationAttempt.objects.filter(pk=attempt.pk).update(state=State.VERIFIED)
        assert due_work_settle(kind=Kind.ATTEMPTS) is None
    assert org_a.slug not in _due_slugs(Kind.ATTEMPTS, at=now + FAR)


@pytest.mark.django_db
def test_a_mark_only_moves_the_due_time_earlier(org_a):
    _forget(org_a)
    now = timezone.now()
    _waiting_attempt(org_a, next_action_at=now + timedelta(minutes=10))
    first = _due(org_a, Kind.ATTEMPTS)
    _waiting_attempt(org_a, next_action_at=now + timedelta(minutes=20))
    assert _due(org_a, Kind.ATTEMPTS) == first
    _waiting_attempt(org_a, next_action_at=now - timedelta(minutes=1))
    assert _due(org_a, Kind.ATTEMPTS) < first


@pytest.mark.django_db
def test_a_deadline_moved_earlier_is_marked_one_moved_later_is_not(org_a, settings):
    _forget(org_a)
    now = timezone.now()
    attempt = _waiting_attempt(org_a, next_action_at=now)
    with schema_context(org_a.schema_name):
        # The OTP went out (a later deadline: no mark), and the visit settled the index.
        loaded = VerificationAttempt.objects.get(pk=attempt.pk)
        loaded.state, loaded.otp_expires_at = State.OTP_SENT, now + timedelta(minutes=3)
        loaded.save()
        assert _due(org_a, Kind.ATTEMPTS) == now + timedelta(seconds=settings.VERIFICATION_SWEEP_GRACE_S)
        assert due_work_settle(kind=Kind.ATTEMPTS) == now + timedelta(minutes=3)
        # The employee typed the OTP: the confirm is due at once, earlier than the expiry.
        loaded = VerificationAttempt.objects.get(pk=attempt.pk)
        loaded.state, loaded.next_action_at = State.OTP_SUBMITTED, now
        loaded.save()
    assert _due(org_a, Kind.ATTEMPTS) == now + timedelta(seconds=settings.VERIFICATION_SWEEP_GRACE_S)


@pytest.mark.django_db
def test_a_lost_index_entry_is_found_again_by_the_rebuild(org_a, org_b):
    _forget(org_a, org_b)
    now = timezone.now()
    _waiting_attempt(org_a, next_action_at=now - timedelta(minutes=5))
    DueWork.objects.filter(organization__schema_name=org_a.schema_name).delete()  # the entry is lost
    assert org_a.slug not in _due_slugs(Kind.ATTEMPTS)

    assert due_work_rebuild(organizations=[org_a.get(), org_b.get()]) == 2

    assert org_a.slug in _due_slugs(Kind.ATTEMPTS)
    assert org_b.slug not in _due_slugs(Kind.ATTEMPTS, at=now + FAR)
    # Every kind has a settled row for both, whatever is due.
    for org in (org_a, org_b):
        assert set(
            DueWork.objects.filter(
                organization__schema_name=org.schema_name, settled_at__isnull=False
            ).values_list("kind", flat=True)
        ) == set(Kind)


@pytest.mark.django_db
def test_features_mark_the_work_they_make_due(org_a, org_b):
    _forget(org_a, org_b)
    organization = org_a.get()
    with schema_context(org_a.schema_name):
        invitation = InvitationFactory.create(employee=EmployeeFactory.create(mobile="9000000002"))
        assert invitation_send(invitation=invitation)
        invitation.refresh_from_db()
        assert invitation.sent_at is not None
        # No reminder sooner than a day after the invitation.
        assert _due(org_a, Kind.REMINDERS) == invitation.sent_at + timedelta(days=1)
        assert due_work_settle(kind=Kind.REMINDERS) == invitation.sent_at + timedelta(
            days=min(organization.reminder_days)
        )

        given = consent_give(invitation=invitation, language="en", ip=None, user_agent="")
        consent_withdraw(consent=given, ip=None, user_agent="")
        given.refresh_from_db()
        assert given.withdrawn_at is not None
        retention = timedelta(days=organization.retention_days)
        assert _due(org_a, Kind.RETENTION) == given.withdrawn_at + retention

        leaver = EmployeeFactory.create(mobile="9000000003")
        _forget(org_a)
        assert employee_set_active(employee=leaver, active=False)
        leaver.refresh_from_db()
        assert leaver.deactivated_at is not None
        assert _due(org_a, Kind.RETENTION) == leaver.deactivated_at + retention
        # The withdrawn employee's data is the first to go.
        assert due_work_settle(kind=Kind.RETENTION) == given.withdrawn_at + retention

        job = ImportJobFactory.create(status="validated")
        assert due_work_settle(kind=Kind.IMPORTS) == job.created_at + timedelta(hours=24)
    assert not DueWork.objects.filter(organization__schema_name=org_b.schema_name).exists()


@pytest.mark.django_db
def test_the_next_reminder_follows_the_schedule(org_a):
    organization = org_a.get()
    organization.reminder_days = [3, 7]
    organization.save(update_fields=["reminder_days"])
    now = timezone.now()
    with schema_context(org_a.schema_name):
        invitation = InvitationFactory.create()
        sent = now - timedelta(days=2)
        Invitation.objects.filter(pk=invitation.pk).update(sent_at=sent, expires_at=now + timedelta(days=30))
        assert reminders_next_due() == sent + timedelta(days=3)
        Invitation.objects.filter(pk=invitation.pk).update(last_reminded_at=sent + timedelta(days=3))
        assert reminders_next_due() == sent + timedelta(days=7)
        # Past its expiry no reminder is due; nor with no schedule.
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=sent + timedelta(days=5))
        assert reminders_next_due() is None
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=now + timedelta(days=30))
        organization.reminder_days = []
        organization.save(update_fields=["reminder_days"])
        assert reminders_next_due() is None


@pytest.mark.worker
def test_a_flushed_broker_still_completes_the_verification_through_the_index(
    celery_worker_process, committed_db, sandbox, org_a, org_b, settings
):
    # The row attempt_start() writes, whose message the broker lost; overdue for the sweep.
    past = timezone.now() - timedelta(seconds=settings.VERIFICATION_SWEEP_GRACE_S + 5)
    attempt = _waiting_attempt(org_a, next_action_at=past)
    try:
        assert org_a.slug in _due_slugs(Kind.ATTEMPTS)
        assert org_b.slug not in _due_slugs(Kind.ATTEMPTS)
        # One beat run: org A is visited (and nothing idle: org B gets no task).
        sent = for_each_due_organization.apply(args=("attempts", "verification.tasks.attempts_sweep")).get()
        assert sent == len(_due_slugs(Kind.ATTEMPTS)) >= 1
        deadline = time.monotonic() + 30
        while True:
            with schema_context(org_a.schema_name):
                attempt.refresh_from_db()
            due = _due(org_a, Kind.ATTEMPTS)
            # The worker sent the OTP; a later visit settles the index at the OTP's expiry (the
            # first one ran before the OTP went out, so it left the time in the past: visit again).
            if attempt.state == State.OTP_SENT:
                if due is not None and due == attempt.otp_expires_at:
                    break
                if due is not None and due <= timezone.now():
                    for_each_due_organization.apply(args=("attempts", "verification.tasks.attempts_sweep"))
            assert time.monotonic() < deadline, (attempt.state, due, celery_worker_process.log()[-3000:])
            time.sleep(0.2)
    finally:
        with schema_context(org_a.schema_name):
            attempt.employee.delete()
        _forget(org_a, org_b)


@pytest.mark.django_db
def test_a_look_leaves_the_snapshot_alone_a_change_makes_it_due(org_a, org_b):
    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create()
    _forget(org_a, org_b)
    with schema_context(org_a.schema_name):
        events.employee_viewed(employee, actor=None)
        events.export_downloaded(actor=None, ip=None, file_format="csv", filters={}, rows=1)
    assert _due(org_a, Kind.SNAPSHOT) is None  # nothing on the dashboard moved

    with schema_context(org_a.schema_name):
        before = timezone.now()
        events.employee_updated(employee, actor=None, fields=["department"])
    assert _due(org_a, Kind.SNAPSHOT) >= before
    assert _due(org_b, Kind.SNAPSHOT) is None
