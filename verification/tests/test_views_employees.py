"""HR's employee pages: list, add, invite by e-mail; roles; two organizations; query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import OrgFixture, host_client, signed_in
from tenants.members import Role, member_create
from verification.employees.services import employee_create, employee_update
from verification.invitations.services import invitation_create
from verification.models import Employee, Invitation, Progress, VaccinationStatus

pytestmark = pytest.mark.django_db

LIST, CREATE, INVITE = "/employees/", "/employees/new/", "/employees/invite/"


def _signed_in(org: OrgFixture, email: str | None = None) -> Client:
    return signed_in(org, email)


def _staff(org: OrgFixture, role: Role) -> Client:
    email = f"{role.value}@{org.slug}.example"
    with schema_context(org.schema_name):
        member_create(email=email, full_name=str(role.label), password="irrelevant-pass-42", role=role)
    return _signed_in(org, email)


def _employee(org: OrgFixture, code: str, full_name: str, **fields) -> Employee:  # type: ignore[no-untyped-def]
    with schema_context(org.schema_name):
        return employee_create(code=code, full_name=full_name, email=f"{code.lower()}@example.com", **fields)


def _messages(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]]


def _invitations(org: OrgFixture) -> list[Invitation]:
    with schema_context(org.schema_name):
        return list(Invitation.objects.select_related("employee"))


# --- list ----------------------------------------------------------------------------------


def test_list_shows_employees_by_name_with_counts_per_progress(org_a):
    _employee(org_a, "E2", "Zoya Khan", mobile="9000000001", department="Sales", location="Pune")
    _employee(org_a, "E1", "Arjun Mehta")
    verified = _employee(org_a, "E3", "Meera Nair")
    with schema_context(org_a.schema_name):
        Employee.objects.filter(pk=verified.pk).update(
            progress=Progress.VERIFIED, vaccination_status=VaccinationStatus.FULLY_VACCINATED
        )

    response = _signed_in(org_a).get(LIST)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Arjun Mehta") < body.index("Meera Nair") < body.index("Zoya Khan")
    assert "••••••0001" in body and "9000000001" not in body
    assert "Sales" in body and "Pune" in body
    assert "Fully vaccinated" in body
    counts = {c.progress: c.count for c in response.context["counts"].by_progress}
    assert counts[Progress.NOT_INVITED] == 2
    assert counts[Progress.VERIFIED] == 1
    assert counts[Progress.INVITED] == 0
    assert response.context["counts"].total == 3
    assert "Invite everyone not yet invited (2)" in body


def test_list_shows_when_the_latest_invitation_went_out(org_a):
    sent = _employee(org_a, "E1", "Asha Rao")
    queued = _employee(org_a, "E2", "Bina Das")
    _employee(org_a, "E3", "Chetan Roy")
    sent_at = timezone.now() - timedelta(hours=1)
    with schema_context(org_a.schema_name):
        Invitation.objects.filter(pk=invitation_create(employee=sent).pk).update(sent_at=sent_at)
        invitation_create(employee=queued)

    response = _signed_in(org_a).get(LIST)

    rows = {e.code: e for e in response.context["employees"]}
    assert rows["E1"].last_invitation_sent_at == sent_at
    assert rows["E2"].last_invited_at is not None and rows["E2"].last_invitation_sent_at is None
    assert rows["E3"].last_invited_at is None
    body = response.content.decode()
    assert f'datetime="{timezone.localtime(sent_at).isoformat()}"' in body
    assert "Sending…" in body


def test_empty_list_invites_to_add_the_first_employee(org_a):
    body = _signed_in(org_a).get(LIST).content.decode()
    assert "No employees yet" in body
    assert f'href="{CREATE}"' in body


def test_list_query_count_does_not_grow_with_rows(org_a):
    client = _signed_in(org_a)

    def add(start: int, stop: int) -> None:
        for i in range(start, stop):
            employee = _employee(org_a, f"E{i:03}", f"Person {i:03}", mobile=f"90000{i:05}")
            if i % 2:
                with schema_context(org_a.schema_name):
                    invitation_create(employee=employee)

    add(0, 3)
    client.get(LIST)  # warm up: sessions, content types, anything cached once
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    add(3, 30)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(response.context["employees"]) == 30
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- add -----------------------------------------------------------------------------------


def test_owner_adds_an_employee(org_a):
    client = _signed_in(org_a)
    assert client.get(CREATE).status_code == 200

    response = client.post(
        CREATE,
        {
            "code": " E-100 ",
            "full_name": "Priya  Sharma",
            "email": "Priya@Example.com",
            "mobile": "+91 90000 00002",
            "department": "Finance",
            "location": "Delhi",
        },
        follow=True,
    )

    assert response.redirect_chain == [(LIST, 302)]
    assert _messages(response) == ["Priya Sharma was added."]
    with schema_context(org_a.schema_name):
        employee = Employee.objects.get()
    assert (employee.code, employee.full_name, employee.email) == (
        "E-100",
        "Priya Sharma",
        "priya@example.com",
    )
    assert employee.mobile == "+919000000002" and employee.mobile_masked == "••••••0002"
    assert (employee.department, employee.location) == ("Finance", "Delhi")
    assert employee.progress == Progress.NOT_INVITED


def test_mobile_is_optional(org_a):
    response = _signed_in(org_a).post(
        CREATE, {"code": "E1", "full_name": "Ravi Kumar", "email": "r@example.com"}
    )
    assert response.status_code == 302
    with schema_context(org_a.schema_name):
        assert Employee.objects.get().mobile is None


def test_duplicate_code_is_refused_with_a_clear_error(org_a):
    _employee(org_a, "E1", "Ravi Kumar")

    response = _signed_in(org_a).post(
        CREATE, {"code": "E1", "full_name": "Someone Else", "email": "s@example.com"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"code": ["An employee with this code already exists."]}
    with schema_context(org_a.schema_name):
        assert Employee.objects.count() == 1


def test_the_same_code_may_exist_in_another_organization(org_a, org_b):
    _employee(org_b, "E1", "Bravo Person")
    response = _signed_in(org_a).post(
        CREATE, {"code": "E1", "full_name": "Alpha Person", "email": "a@example.com"}
    )
    assert response.status_code == 302


def test_bad_mobile_is_refused_on_its_field(org_a):
    response = _signed_in(org_a).post(
        CREATE, {"code": "E1", "full_name": "Ravi Kumar", "email": "r@example.com", "mobile": "12345"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"mobile": ["Enter a valid Indian mobile number."]}
    assert "Enter a valid Indian mobile number." in response.content.decode()
    with schema_context(org_a.schema_name):
        assert not Employee.objects.exists()


# --- invite --------------------------------------------------------------------------------


def test_invite_selected_employees(org_a, django_capture_on_commit_callbacks):
    first = _employee(org_a, "E1", "Asha Rao")
    second = _employee(org_a, "E2", "Bina Das")
    untouched = _employee(org_a, "E3", "Chetan Roy")
    client = _signed_in(org_a)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(INVITE, {"employee_ids": [first.pk, second.pk]})

    assert response.status_code == 302 and response["Location"] == LIST
    invitations = _invitations(org_a)
    assert sorted(i.employee_id for i in invitations) == sorted([first.pk, second.pk])
    assert all(i.sent_at is None for i in invitations)  # the e-mail goes out in Celery, after commit
    assert all(i.created_by is not None and i.created_by.username == org_a.owner_email for i in invitations)
    assert len(callbacks) == 2
    with schema_context(org_a.schema_name):
        progress = dict(Employee.objects.values_list("code", "progress"))
    assert progress == {"E1": Progress.INVITED, "E2": Progress.INVITED, "E3": Progress.NOT_INVITED}
    assert untouched.pk not in {i.employee_id for i in invitations}
    assert _messages(client.get(LIST)) == ["2 invitations sent."]


def test_invite_everyone_not_yet_invited(org_a, django_capture_on_commit_callbacks):
    waiting = _employee(org_a, "E1", "Asha Rao")
    already = _employee(org_a, "E2", "Bina Das")
    gone = _employee(org_a, "E3", "Chetan Roy")
    with schema_context(org_a.schema_name):
        invitation_create(employee=already)
        employee_update(employee=gone, is_active=False)
    client = _signed_in(org_a)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(INVITE, {"all_not_invited": "1"})

    assert response.status_code == 302
    with schema_context(org_a.schema_name):
        invited = list(
            Invitation.objects.filter(revoked_at__isnull=True).values_list("employee_id", flat=True)
        )
        assert sorted(invited) == sorted([waiting.pk, already.pk])
        assert Invitation.objects.filter(employee=already).count() == 1  # not invited again
        assert not Invitation.objects.filter(employee=gone).exists()
    assert len(callbacks) == 1
    assert _messages(client.get(LIST)) == ["1 invitation sent."]


def test_ids_that_name_nobody_here_are_ignored(org_a):
    own = _employee(org_a, "E1", "Asha Rao")
    client = _signed_in(org_a)

    client.post(INVITE, {"employee_ids": [own.pk, own.pk + 100_000, "abc", str(2**70)]})

    assert [i.employee_id for i in _invitations(org_a)] == [own.pk]
    assert _messages(client.get(LIST)) == ["1 invitation sent."]


def test_inactive_employees_are_not_invited(org_a):
    gone = _employee(org_a, "E1", "Asha Rao")
    with schema_context(org_a.schema_name):
        employee_update(employee=gone, is_active=False)
    client = _signed_in(org_a)

    client.post(INVITE, {"employee_ids": [gone.pk]})

    assert _invitations(org_a) == []
    assert _messages(client.get(LIST)) == [
        "No invitations sent: none of the selected employees can be invited."
    ]


def test_invite_with_nothing_selected_says_so(org_a):
    _employee(org_a, "E1", "Asha Rao")
    client = _signed_in(org_a)

    response = client.post(INVITE, {"employee_ids": ["", "not-a-number"]}, follow=True)

    assert _messages(response) == ["Select the employees to invite."]
    assert _invitations(org_a) == []


def test_invite_needs_post(org_a):
    assert _signed_in(org_a).get(INVITE).status_code == 405


# --- roles ---------------------------------------------------------------------------------


def test_hr_admin_may_use_the_employee_pages(org_a):
    employee = _employee(org_a, "E1", "Asha Rao")
    client = _staff(org_a, Role.HR_ADMIN)

    assert client.get(LIST).status_code == 200
    assert client.get(CREATE).status_code == 200
    assert client.post(INVITE, {"employee_ids": [employee.pk]}).status_code == 302
    assert len(_invitations(org_a)) == 1


def test_viewer_is_forbidden(org_a):
    employee = _employee(org_a, "E1", "Asha Rao")
    client = _staff(org_a, Role.VIEWER)

    assert client.get(LIST).status_code == 403
    assert client.get(CREATE).status_code == 403
    assert (
        client.post(CREATE, {"code": "E2", "full_name": "X Y", "email": "x@example.com"}).status_code == 403
    )
    assert client.post(INVITE, {"employee_ids": [employee.pk]}).status_code == 403
    assert client.post(INVITE, {"all_not_invited": "1"}).status_code == 403
    with schema_context(org_a.schema_name):
        assert Employee.objects.count() == 1
    assert _invitations(org_a) == []


@pytest.mark.parametrize(
    ("method", "path"), [("get", LIST), ("get", CREATE), ("post", CREATE), ("post", INVITE)]
)
def test_anonymous_users_are_sent_to_sign_in(org_a, method, path):
    response = getattr(host_client(org_a.host), method)(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_nav_and_home_link_to_employees_only_for_those_who_may_use_them(org_a):
    link = f'href="{LIST}"'
    assert link in _signed_in(org_a).get("/").content.decode()
    assert link in _staff(org_a, Role.HR_ADMIN).get("/").content.decode()
    assert link not in _staff(org_a, Role.VIEWER).get("/").content.decode()


# --- two organizations ---------------------------------------------------------------------


def test_employees_of_another_organization_never_appear(org_a, org_b):
    _employee(org_a, "A1", "Alpha Employee")
    _employee(org_b, "B1", "Bravo Employee")

    response = _signed_in(org_a).get(LIST)

    body = response.content.decode()
    assert "Alpha Employee" in body and "Bravo Employee" not in body
    assert [e.code for e in response.context["employees"]] == ["A1"]
    assert response.context["counts"].total == 1


def test_inviting_an_id_of_another_organization_does_nothing(org_a, org_b):
    theirs = _employee(org_b, "B1", "Bravo Employee")
    with schema_context(org_a.schema_name):
        assert not Employee.objects.filter(pk=theirs.pk).exists()  # the id names nobody in alpha
    client = _signed_in(org_a)

    response = client.post(INVITE, {"employee_ids": [theirs.pk]}, follow=True)

    assert response.status_code == 200
    assert _messages(response) == ["No invitations sent: none of the selected employees can be invited."]
    assert _invitations(org_a) == []
    assert _invitations(org_b) == []
    with schema_context(org_b.schema_name):
        assert Employee.objects.get(pk=theirs.pk).progress == Progress.NOT_INVITED


def test_invite_everyone_in_one_organization_leaves_the_other_alone(org_a, org_b):
    _employee(org_a, "A1", "Alpha Employee")
    _employee(org_b, "B1", "Bravo Employee")

    _signed_in(org_a).post(INVITE, {"all_not_invited": "1"})

    assert [i.employee.code for i in _invitations(org_a)] == ["A1"]
    assert _invitations(org_b) == []
