"""``enqueue``: after commit, by name; run in place when Celery is told to be eager."""

from __future__ import annotations

from collections.abc import Callable
from unittest import mock

import pytest
from celery import current_app
from django.core import mail
from django.db import transaction
from django_tenants.utils import schema_context

from portal.testing import OrgFixture
from verification.models import Invitation
from verification.queue import Task, enqueue
from verification.tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


def test_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks: Callable) -> None:
    with (
        mock.patch.object(current_app, "send_task") as send,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue(Task.INVITATION_SEND, 1)
        raise RuntimeError
    send.assert_not_called()


def test_the_task_is_sent_by_name_once_the_transaction_commits(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    with (
        mock.patch.object(current_app, "send_task") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue(Task.INVITATION_SEND, 7)
        send.assert_not_called()
    send.assert_called_once_with("verification.tasks.invitation_send_task", args=[7])


def test_eager_mode_runs_the_task_here_instead_of_leaving_a_message(
    org_a: OrgFixture,
    settings,
    django_capture_on_commit_callbacks: Callable,  # type: ignore[no-untyped-def]
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    conf = current_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager = conf.task_eager_propagates = True
    try:
        with mock.patch.object(current_app, "send_task") as send, schema_context(org_a.schema_name):
            with django_capture_on_commit_callbacks(execute=True):
                invitation: Invitation = (
                    InvitationFactory.create()
                )  # its e-mail task is enqueued after commit
            invitation.refresh_from_db()
            email = invitation.employee.email
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved
    send.assert_not_called()
    assert invitation.sent_at is not None
    assert [m.to for m in mail.outbox] == [[email]]
