"""The directory's bulk actions: invite, remind, deactivate the ticked employees or all that
the filters match; the confirmation names the count and the action; the filters stay; two
organizations; roles; the audit trail."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from portal.testing import OrgFixture, signed_in
from tenants.members import Role
from verification.employees.views.tests.helpers import messages_of, staff_client
from verification.models import AuditEvent, Employee, Invitation, Progress
from verification.queue import Task
from verification.tests.factories import EmployeeFactory, InvitationFactory

pytestmark = pytest.mark.django_db

LIST, BULK = "/employees/", "/employees/bulk/"


def _people(org: OrgFixture) -> dict[str, Employee]:
    """Six employees: four in Sales (three in Pune), two in Ops."""
    rows = [
        ("S1", "Asha Rao", "Sales", "Pune"),
        ("S2", "Bina Das", "Sales", "Pune"),
        ("S3", "Chetan Roy", "Sales", "Pune"),
        ("S4", "Devi Iyer", "Sales", "Delhi"),
        ("O1", "Esha Jain", "Ops", "Pune"),
        ("O2", "Farid Ali", "Ops", "Delhi"),
    ]
    return {
        code: EmployeeFactory.create(org=org, code=code, full_name=name, department=dept, location=loc)
        for code, name, dept, loc in rows
    }


def _invited_codes(org: OrgFixture) -> set[str]:
    with schema_context(org.schema_name):
        return set(Invitation.objects.values_list("employee__code", flat=True))


def test_invite_all_matching_acts_on_the_filters_only_and_keeps_them(
    org_a, django_capture_on_commit_callbacks
):
    _people(org_a)
    client = signed_in(org_a)
    filters = {"department": "Sales", "location": "Pune", "sort": "-name"}

    page = client.get(LIST, filters).content.decode()
    assert "Apply to all 3 matching" in page  # the exact count of what the filters show

    asked = client.post(BULK, {"action": "invite", "scope": "matching", **filters})
    body = asked.content.decode()
    assert asked.status_code == 200
    assert "Invite 3 employees?" in body and "Yes, invite 3 employees" in body
    assert 'name="department" value="Sales"' in body and 'name="confirmed" value="1"' in body
    assert _invited_codes(org_a) == set()  # nothing until HR confirms

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        done = client.post(BULK, {"action": "invite", "scope": "matching", "confirmed": "1", **filters})

    assert _invited_codes(org_a) == {"S1", "S2", "S3"}
    assert len(callbacks) == 3  # one e-mail each, by name after commit
    assert done.status_code == 302
    url = urlsplit(done["Location"])
    assert url.path == LIST
    assert parse_qs(url.query) == {"department": ["Sales"], "location": ["Pune"], "sort": ["-name"]}
    after = client.get(done["Location"])
    assert messages_of(after) == ["3 invitations sent."]
    with schema_context(org_a.schema_name):
        events = AuditEvent.objects.filter(action="invitation.created")
        codes = dict(Employee.objects.values_list("pk", "code"))
        assert sorted(codes[e.employee_id or 0] for e in events) == ["S1", "S2", "S3"]  # one per employee
        assert all(e.actor_label == org_a.owner_email for e in events)


def test_the_confirmation_counts_only_those_the_action_applies_to(org_a):
    people = _people(org_a)
    with schema_context(org_a.schema_name):
        InvitationFactory.create(employee=people["S1"])
    client = signed_in(org_a)

    asked = client.post(BULK, {"action": "invite", "scope": "matching", "department": "Sales"})

    body = asked.content.decode()
    assert "Invite 3 employees?" in body
    assert "You chose all 4 employees that match" in body
    assert "1 is left out: inactive, or invited already" in body


def test_one_person_is_invited_without_asking(org_a):
    people = _people(org_a)
    response = signed_in(org_a).post(
        BULK, {"action": "invite", "scope": "selected", "employee_ids": [people["O1"].pk]}
    )
    assert response.status_code == 302
    assert _invited_codes(org_a) == {"O1"}


def test_bulk_deactivate_always_asks_and_says_what_it_does(org_a):
    people = _people(org_a)
    client = signed_in(org_a)
    chosen = {"action": "deactivate", "scope": "selected", "employee_ids": [people["O1"].pk]}

    asked = client.post(BULK, chosen)

    body = asked.content.decode()
    assert asked.status_code == 200
    assert "Deactivate 1 employee?" in body and "invitation links stop working" in body
    with schema_context(org_a.schema_name):
        assert Employee.objects.get(pk=people["O1"].pk).is_active

    client.post(BULK, {"action": "deactivate", "scope": "matching", "department": "Ops", "confirmed": "1"})

    with schema_context(org_a.schema_name):
        assert set(Employee.objects.filter(is_active=False).values_list("code", flat=True)) == {"O1", "O2"}
        assert AuditEvent.objects.filter(action="employee.deactivated").count() == 2
    assert messages_of(client.get(LIST)) == [
        "2 employees were deactivated: kept on record, left out of the numbers."
    ]


def test_bulk_remind_follows_the_reminder_rules_and_enqueues_by_name(
    org_a, django_capture_on_commit_callbacks, monkeypatch
):
    people = _people(org_a)
    with schema_context(org_a.schema_name):
        for code in ("S1", "S2", "S3"):
            InvitationFactory.create(employee=people[code])
        # S1 and S2 were e-mailed two days ago; S3's e-mail has not gone out yet (not remindable).
        Invitation.objects.filter(employee__code__in=["S1", "S2"]).update(
            sent_at=timezone.now() - timedelta(days=2)
        )
    sent: list[tuple[str, list[object]]] = []
    monkeypatch.setattr("verification.queue._send", lambda name, args: sent.append((name, args)))
    client = signed_in(org_a)

    asked = client.post(BULK, {"action": "remind", "scope": "matching", "department": "Sales"})
    assert "Remind 2 employees?" in asked.content.decode()
    assert "2 are left out" in asked.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(BULK, {"action": "remind", "scope": "matching", "department": "Sales", "confirmed": "1"})

    ((name, (invitation_ids, manual, actor_id)),) = sent
    assert name == Task.REMINDERS_SEND and manual is True and actor_id is not None
    with schema_context(org_a.schema_name):
        expected = set(
            Invitation.objects.filter(employee__code__in=["S1", "S2"]).values_list("pk", flat=True)
        )
    assert set(invitation_ids) == expected  # type: ignore[call-overload]
    assert messages_of(client.get(LIST)) == ["Reminders are on their way to 2 employees."]


def test_nothing_to_do_says_why_and_keeps_the_filters(org_a):
    people = _people(org_a)
    client = signed_in(org_a)

    response = client.post(
        BULK, {"action": "remind", "scope": "selected", "employee_ids": [people["S1"].pk], "q": "asha"}
    )

    assert response["Location"] == f"{LIST}?q=asha"
    assert messages_of(client.get(LIST)) == [
        "No reminders sent: the 1 employee you chose has no open invitation, has answered, or was "
        "e-mailed in the last 24 hours."
    ]


def test_another_organizations_ids_in_a_bulk_post_do_nothing(org_a, org_b):
    theirs = _people(org_b)
    with schema_context(org_b.schema_name):
        Employee.objects.filter(pk__in=[e.pk for e in theirs.values()]).update(progress=Progress.NOT_INVITED)
    ours = EmployeeFactory.create(org=org_a, code="A1", full_name="Alpha Person")
    # ids of bravo that name nobody in alpha
    foreign = [e.pk for e in theirs.values() if e.pk != ours.pk]
    client = signed_in(org_a)

    for action in ("invite", "deactivate"):
        response = client.post(
            BULK,
            {"action": action, "scope": "selected", "employee_ids": foreign, "confirmed": "1"},
            follow=True,
        )
        assert messages_of(response) == ["Nothing was done: none of the employees you chose was found."]

    with schema_context(org_b.schema_name):
        assert not Invitation.objects.exists()
        assert Employee.objects.filter(is_active=True).count() == 6
        assert not AuditEvent.objects.filter(
            action__in=["invitation.created", "employee.deactivated"]
        ).exists()
    with schema_context(org_a.schema_name):
        assert Employee.objects.get(pk=ours.pk).is_active and not Invitation.objects.exists()


def test_all_matching_in_one_organization_leaves_the_other_alone(org_a, org_b):
    _people(org_a)
    _people(org_b)

    signed_in(org_a).post(BULK, {"action": "deactivate", "scope": "matching", "confirmed": "1"})

    with schema_context(org_b.schema_name):
        assert Employee.objects.filter(is_active=True).count() == 6
    with schema_context(org_a.schema_name):
        assert Employee.objects.filter(is_active=True).count() == 0


def test_viewers_cannot_use_bulk_actions(org_a):
    people = _people(org_a)
    client = staff_client(org_a, Role.VIEWER)
    response = client.post(
        BULK, {"action": "invite", "scope": "selected", "employee_ids": [people["S1"].pk], "confirmed": "1"}
    )
    assert response.status_code == 403
    assert _invited_codes(org_a) == set()


def test_a_second_confirmed_click_sends_nothing_more(org_a):
    _people(org_a)
    client = signed_in(org_a)
    posted = {"action": "invite", "scope": "matching", "department": "Ops", "confirmed": "1"}

    client.post(BULK, posted)
    client.post(BULK, posted)

    with schema_context(org_a.schema_name):
        assert Invitation.objects.count() == 2
    assert messages_of(client.get(LIST)) == [
        "2 invitations sent.",
        "No invitations sent: none of the 2 employees you chose can be invited (inactive, or invited "
        "already).",
    ]
