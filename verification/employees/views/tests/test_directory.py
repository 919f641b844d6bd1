"""HR's employee pages: the list and directory (search, filters, sort, pages), add, invite by
e-mail, one employee's page (history, edit, invite, remind, deactivate); roles, two
organizations, query counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from portal.testing import OrgFixture, data_queries, host_client, signed_in
from tenants.members import Role
from verification.employees.services import employee_update
from verification.employees.views.tests.helpers import messages_of, staff_client
from verification.invitations.services import invitation_send
from verification.models import AuditEvent, Employee, Invitation, Progress, VaccinationStatus
from verification.tests.factories import (
    ConsentFactory,
    EmployeeFactory,
    InvitationFactory,
    StatusRecordFactory,
    VerificationAttemptFactory,
)

pytestmark = pytest.mark.django_db

LIST, CREATE, BULK = "/employees/", "/employees/new/", "/employees/bulk/"


def _invitations(org: OrgFixture) -> list[Invitation]:
    with schema_context(org.schema_name):
        return list(Invitation.objects.select_related("employee"))


# --- list ----------------------------------------------------------------------------------


def test_list_shows_employees_by_name_with_counts_per_progress(org_a):
    EmployeeFactory.create(
        org=org_a, code="E2", full_name="Zoya Khan", mobile="9000000001", department="Sales", location="Pune"
    )
    EmployeeFactory.create(org=org_a, code="E1", full_name="Arjun Mehta")
    verified = EmployeeFactory.create(org=org_a, code="E3", full_name="Meera Nair")
    with schema_context(org_a.schema_name):
        Employee.objects.filter(pk=verified.pk).update(
            progress=Progress.VERIFIED, vaccination_status=VaccinationStatus.FULLY_VACCINATED
        )

    response = signed_in(org_a).get(LIST)

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
    assert "2 active employees not invited yet" in body
    assert "Apply to all 3 matching" in body


def test_list_shows_when_the_latest_invitation_went_out(org_a):
    sent = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    queued = EmployeeFactory.create(org=org_a, code="E2", full_name="Bina Das")
    EmployeeFactory.create(org=org_a, code="E3", full_name="Chetan Roy")
    with tenant_context(org_a.get()):
        invitation = InvitationFactory.create(employee=sent)
        assert invitation_send(invitation=invitation)
        sent_at = Invitation.objects.get(pk=invitation.pk).sent_at
        InvitationFactory.create(employee=queued)

    response = signed_in(org_a).get(LIST)

    rows = {e.code: e for e in response.context["employees"]}
    assert rows["E1"].last_invitation_sent_at == sent_at
    assert rows["E2"].last_invited_at is not None and rows["E2"].last_invitation_sent_at is None
    assert rows["E3"].last_invited_at is None
    body = response.content.decode()
    assert f'datetime="{timezone.localtime(sent_at).isoformat()}"' in body
    assert "Sending…" in body


def test_empty_list_invites_to_add_the_first_employee(org_a):
    body = signed_in(org_a).get(LIST).content.decode()
    assert "No employees yet" in body
    assert f'href="{CREATE}"' in body


def test_list_query_count_does_not_grow_with_rows(org_a):
    client = signed_in(org_a)

    def add(start: int, stop: int) -> None:
        for i in range(start, stop):
            employee = EmployeeFactory.create(
                org=org_a, code=f"E{i:03}", full_name=f"Person {i:03}", mobile=f"90000{i:05}"
            )
            if i % 2:
                with schema_context(org_a.schema_name):
                    InvitationFactory.create(employee=employee)
        # Every cell a row can show filled in, so that a cell read from a field the page's
        # rows did not load would cost a query per row.
        with schema_context(org_a.schema_name):
            Employee.objects.filter(code__in=[f"E{i:03}" for i in range(start, stop, 3)]).update(
                vaccination_status=VaccinationStatus.FULLY_VACCINATED,
                progress=Progress.VERIFIED,
                status_verified_at=timezone.now(),
                status_method="certificate",
                status_dose=3,
                status_total_doses=2,
                status_vaccine="COVISHIELD",
                status_last_dose_on=timezone.localdate(),
                last_invitation_channel="email",
                last_invitation_sent_at=timezone.now(),
                department="Ops",
                location="Pune",
            )

    add(0, 3)
    client.get(LIST)  # warm up: sessions, content types, anything cached once
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    add(3, 30)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(response.context["employees"]) == 30
    assert len(data_queries(many)) == len(data_queries(few)), data_queries(many)
    # The page shows the last four digits: no mobile number is decrypted for it.
    assert all("mobile" in e.get_deferred_fields() for e in response.context["employees"])
    assert "••••••0029" in response.content.decode() and "9000000029" not in response.content.decode()


# --- add -----------------------------------------------------------------------------------


def test_owner_adds_an_employee(org_a):
    client = signed_in(org_a)
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
    assert messages_of(response) == ["Priya Sharma was added."]
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
    response = signed_in(org_a).post(
        CREATE, {"code": "E1", "full_name": "Ravi Kumar", "email": "r@example.com"}
    )
    assert response.status_code == 302
    with schema_context(org_a.schema_name):
        assert Employee.objects.get().mobile is None


def test_duplicate_code_is_refused_with_a_clear_error(org_a):
    EmployeeFactory.create(org=org_a, code="E1", full_name="Ravi Kumar")

    response = signed_in(org_a).post(
        CREATE, {"code": "E1", "full_name": "Someone Else", "email": "s@example.com"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"code": ["An employee with this code already exists."]}
    with schema_context(org_a.schema_name):
        assert Employee.objects.count() == 1


def test_the_same_code_may_exist_in_another_organization(org_a, org_b):
    EmployeeFactory.create(org=org_b, code="E1", full_name="Bravo Person")
    response = signed_in(org_a).post(
        CREATE, {"code": "E1", "full_name": "Alpha Person", "email": "a@example.com"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("mobile", "reason"),
    [
        ("12345", "Too short: 5 digits; an Indian mobile has 10."),
        ("98765432101", "Too long: 11 digits; an Indian mobile has 10."),
        ("020 2612 3456", "A landline (Pune, Maharashtra): CoWIN sends the OTP by SMS to a mobile."),
        ("+1 415 555 2671", "Not an Indian number (+1, United States)"),
    ],
)
def test_bad_mobile_is_refused_on_its_field_saying_why(org_a, mobile, reason):
    response = signed_in(org_a).post(
        CREATE, {"code": "E1", "full_name": "Ravi Kumar", "email": "r@example.com", "mobile": mobile}
    )

    assert response.status_code == 200
    [error] = response.context["form"].errors["mobile"]
    assert error.startswith(reason), error  # what the import says of such a row
    assert reason in response.content.decode()
    with schema_context(org_a.schema_name):
        assert not Employee.objects.exists()


def test_a_bad_email_is_refused_in_hindi_as_an_email_not_a_postal_address(org_a):
    client = signed_in(org_a)
    client.cookies["django_language"] = "hi"
    response = client.post(CREATE, {"code": "E1", "full_name": "Ravi Kumar", "email": "ravi at example"})

    # Django's own Hindi says "a valid postal address" (डाक पता), and "this area are expected"
    # for a field left empty; the catalogue's words are ours (portal/wording.py).
    assert response.context["form"].errors["email"] == ["सही ई-मेल पता डालें।"]
    empty = client.post(CREATE, {"code": "E1", "full_name": "", "email": "ravi@example.com"})
    assert empty.context["form"].errors["full_name"] == ["यह भरना ज़रूरी है।"]


# --- invite --------------------------------------------------------------------------------


def test_invite_selected_employees(org_a, django_capture_on_commit_callbacks):
    first = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    second = EmployeeFactory.create(org=org_a, code="E2", full_name="Bina Das")
    untouched = EmployeeFactory.create(org=org_a, code="E3", full_name="Chetan Roy")
    client = signed_in(org_a)

    asked = client.post(
        BULK, {"action": "invite", "scope": "selected", "employee_ids": [first.pk, second.pk]}
    )
    assert asked.status_code == 200 and "Invite 2 employees?" in asked.content.decode()
    assert _invitations(org_a) == []  # nothing until HR confirms

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            BULK,
            {
                "action": "invite",
                "scope": "selected",
                "employee_ids": [first.pk, second.pk],
                "confirmed": "1",
            },
        )

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
    assert messages_of(client.get(LIST)) == ["2 invitations sent."]


def test_invite_everyone_not_yet_invited(org_a, django_capture_on_commit_callbacks):
    waiting = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    already = EmployeeFactory.create(org=org_a, code="E2", full_name="Bina Das")
    gone = EmployeeFactory.create(org=org_a, code="E3", full_name="Chetan Roy")
    with schema_context(org_a.schema_name):
        InvitationFactory.create(employee=already)
        employee_update(employee=gone, is_active=False)
    client = signed_in(org_a)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(BULK, {"action": "invite", "scope": "matching"})

    assert response.status_code == 302
    with schema_context(org_a.schema_name):
        invited = list(
            Invitation.objects.filter(revoked_at__isnull=True).values_list("employee_id", flat=True)
        )
        assert sorted(invited) == sorted([waiting.pk, already.pk])
        assert Invitation.objects.filter(employee=already).count() == 1  # not invited again
        assert not Invitation.objects.filter(employee=gone).exists()
    assert len(callbacks) == 1
    assert messages_of(client.get(LIST)) == ["1 invitation sent."]


def test_ids_that_name_nobody_here_are_ignored(org_a):
    own = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    client = signed_in(org_a)

    client.post(
        BULK,
        {
            "action": "invite",
            "scope": "selected",
            "employee_ids": [own.pk, own.pk + 100_000, "abc", str(2**70)],
        },
    )

    assert [i.employee_id for i in _invitations(org_a)] == [own.pk]
    assert messages_of(client.get(LIST)) == ["1 invitation sent."]


def test_inactive_employees_are_not_invited(org_a):
    gone = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    with schema_context(org_a.schema_name):
        employee_update(employee=gone, is_active=False)
    client = signed_in(org_a)

    client.post(BULK, {"action": "invite", "scope": "selected", "employee_ids": [gone.pk]})

    assert _invitations(org_a) == []
    assert messages_of(client.get(LIST)) == [
        "No invitations sent: the 1 employee you chose is inactive or has been invited already."
    ]


def test_invite_with_nothing_selected_says_so(org_a):
    EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    client = signed_in(org_a)

    response = client.post(
        BULK, {"action": "invite", "scope": "selected", "employee_ids": ["", "not-a-number"]}, follow=True
    )

    assert messages_of(response) == ["Tick the employees first, or choose all that match."]
    assert _invitations(org_a) == []


def test_bulk_actions_need_post(org_a):
    assert signed_in(org_a).get(BULK).status_code == 405


# --- roles ---------------------------------------------------------------------------------


def test_hr_admin_may_use_the_employee_pages(org_a):
    employee = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    client = staff_client(org_a, Role.HR_ADMIN)

    assert client.get(LIST).status_code == 200
    assert client.get(CREATE).status_code == 200
    assert (
        client.post(
            BULK, {"action": "invite", "scope": "selected", "employee_ids": [employee.pk]}
        ).status_code
        == 302
    )
    assert len(_invitations(org_a)) == 1


def test_viewer_is_forbidden(org_a):
    employee = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    client = staff_client(org_a, Role.VIEWER)

    assert client.get(LIST).status_code == 403
    assert client.get(CREATE).status_code == 403
    assert (
        client.post(CREATE, {"code": "E2", "full_name": "X Y", "email": "x@example.com"}).status_code == 403
    )
    for action in ("invite", "remind", "deactivate"):
        posted = {"action": action, "scope": "selected", "employee_ids": [employee.pk], "confirmed": "1"}
        assert client.post(BULK, posted).status_code == 403
        assert client.post(BULK, {"action": action, "scope": "matching", "confirmed": "1"}).status_code == 403
    with schema_context(org_a.schema_name):
        assert Employee.objects.count() == 1
    assert _invitations(org_a) == []


@pytest.mark.parametrize(
    ("method", "path"), [("get", LIST), ("get", CREATE), ("post", CREATE), ("post", BULK)]
)
def test_anonymous_users_are_sent_to_sign_in(org_a, method, path):
    response = getattr(host_client(org_a.host), method)(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_nav_and_home_link_to_employees_only_for_those_who_may_use_them(org_a):
    link = f'href="{LIST}"'
    assert link in signed_in(org_a).get("/").content.decode()
    assert link in staff_client(org_a, Role.HR_ADMIN).get("/").content.decode()
    assert link not in staff_client(org_a, Role.VIEWER).get("/").content.decode()


# --- two organizations ---------------------------------------------------------------------


def test_employees_of_another_organization_never_appear(org_a, org_b):
    EmployeeFactory.create(org=org_a, code="A1", full_name="Alpha Employee")
    EmployeeFactory.create(org=org_b, code="B1", full_name="Bravo Employee")

    response = signed_in(org_a).get(LIST)

    body = response.content.decode()
    assert "Alpha Employee" in body and "Bravo Employee" not in body
    assert [e.code for e in response.context["employees"]] == ["A1"]
    assert response.context["counts"].total == 1


def test_inviting_an_id_of_another_organization_does_nothing(org_a, org_b):
    theirs = EmployeeFactory.create(org=org_b, code="B1", full_name="Bravo Employee")
    with schema_context(org_a.schema_name):
        assert not Employee.objects.filter(pk=theirs.pk).exists()  # the id names nobody in alpha
    client = signed_in(org_a)

    response = client.post(
        BULK,
        {"action": "invite", "scope": "selected", "employee_ids": [theirs.pk], "confirmed": "1"},
        follow=True,
    )

    assert response.status_code == 200
    assert messages_of(response) == ["Nothing was done: none of the employees you chose was found."]
    assert _invitations(org_a) == []
    assert _invitations(org_b) == []
    with schema_context(org_b.schema_name):
        assert Employee.objects.get(pk=theirs.pk).progress == Progress.NOT_INVITED


def test_invite_everyone_in_one_organization_leaves_the_other_alone(org_a, org_b):
    EmployeeFactory.create(org=org_a, code="A1", full_name="Alpha Employee")
    EmployeeFactory.create(org=org_b, code="B1", full_name="Bravo Employee")

    signed_in(org_a).post(BULK, {"action": "invite", "scope": "matching", "confirmed": "1"})

    assert [i.employee.code for i in _invitations(org_a)] == ["A1"]
    assert _invitations(org_b) == []


def _detail(employee: Employee, suffix: str = "") -> str:
    return f"/employees/{employee.pk}/{suffix}"


def _codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.code for e in response.context["employees"]]


def _set(org: OrgFixture, employee: Employee, **fields) -> None:  # type: ignore[no-untyped-def]
    with schema_context(org.schema_name):
        Employee.objects.filter(pk=employee.pk).update(**fields)


def _roster(org: OrgFixture) -> dict[str, Employee]:
    """Five employees with every filter dimension varied."""
    people = {
        "E1": EmployeeFactory.create(
            org=org, code="E1", full_name="Asha Rao", department="Sales", location="Pune"
        ),
        "E2": EmployeeFactory.create(
            org=org, code="E2", full_name="Bina Das", department="Finance", location="Delhi"
        ),
        "E3": EmployeeFactory.create(
            org=org, code="E3", full_name="Chetan Roy", department="Sales", location="Delhi"
        ),
        "E4": EmployeeFactory.create(
            org=org, code="E4", full_name="Divya Iyer", department="", location="Pune"
        ),
        "E5": EmployeeFactory.create(
            org=org, code="E5", full_name="Esha Khan", department="Finance", location="Pune"
        ),
    }
    verified = datetime(2026, 3, 1, 6, 30, tzinfo=UTC)
    _set(org, people["E1"], progress=Progress.VERIFIED, vaccination_status=2, status_verified_at=verified)
    _set(
        org,
        people["E2"],
        progress=Progress.VERIFIED,
        vaccination_status=1,
        status_verified_at=verified + timedelta(days=1),
    )
    _set(org, people["E3"], progress=Progress.INVITED)
    _set(org, people["E4"], progress=Progress.DECLINED)
    with schema_context(org.schema_name):
        employee_update(employee=people["E5"], is_active=False)
    return people


# --- search, filters, sort -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("asha", ["E1"]),  # name, any case
        ("ROY", ["E3"]),
        ("e4", ["E4"]),  # code
        ("E", ["E1", "E2", "E3", "E4", "E5"]),
        ("BINA DAS", ["E2"]),
        ("e5@EXAMPLE", ["E5"]),  # e-mail
        ("nobody", []),
    ],
)
def test_search_matches_name_code_or_email_in_any_case(org_a, query, codes):
    _roster(org_a)
    response = signed_in(org_a).get(LIST, {"q": query})
    assert response.status_code == 200
    assert _codes(response) == codes


@pytest.mark.parametrize(
    ("params", "codes"),
    [
        ({"status": "2"}, ["E1"]),
        ({"status": "1"}, ["E2"]),
        ({"status": "0"}, []),
        ({"status": "none"}, ["E3", "E4", "E5"]),
        ({"progress": "verified"}, ["E1", "E2"]),
        ({"progress": "declined"}, ["E4"]),
        ({"progress": "not_invited"}, ["E5"]),
        ({"department": "Sales"}, ["E1", "E3"]),
        ({"location": "Delhi"}, ["E2", "E3"]),
        ({"active": "yes"}, ["E1", "E2", "E3", "E4"]),
        ({"active": "no"}, ["E5"]),
        ({"department": "Finance", "location": "Pune"}, ["E5"]),
        ({"department": "Finance", "active": "yes", "status": "1"}, ["E2"]),
        # Values that mean nothing filter nothing (a stale bookmark still works).
        (
            {"status": "7", "progress": "bogus", "active": "maybe", "sort": "evil"},
            ["E1", "E2", "E3", "E4", "E5"],
        ),
    ],
)
def test_filters(org_a, params, codes):
    _roster(org_a)
    assert _codes(signed_in(org_a).get(LIST, params)) == codes


def test_filter_lists_offer_each_department_and_location_once_in_order(org_a, org_b):
    _roster(org_a)
    EmployeeFactory.create(org=org_a, code="E6", full_name="Farah Ali", department="Admin", location="")
    _bravo_employee(org_b)  # bravo's "Ops" is not alpha's
    page = signed_in(org_a).get(LIST).content.decode()
    assert _options(page, "department") == [
        ("*", "All"),
        ("Admin", "Admin"),
        ("Finance", "Finance"),
        ("Sales", "Sales"),
    ]
    assert _options(page, "location") == [("*", "All"), ("Delhi", "Delhi"), ("Pune", "Pune")]


def _options(page: str, name: str) -> list[tuple[str, str]]:
    """The (value, label) options of the page's <select name=``name``>, the selected one starred."""
    menu = re.search(rf'<select name="{name}" id="id_{name}">(.*?)</select>', page, re.S)
    assert menu, name
    return [
        (value + ("*" if selected else ""), label)
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', menu.group(1)
        )
    ]


def test_each_filter_menu_shows_what_the_directory_is_filtered_by(org_a):
    _roster(org_a)
    query = {"status": "2", "progress": "verified", "active": "no", "department": "Sales"}
    page = signed_in(org_a).get(LIST, query).content.decode()
    assert ("2*", "Fully vaccinated") in _options(page, "status")
    assert ("verified*", "Verified") in _options(page, "progress")
    assert _options(page, "active") == [("", "All"), ("yes", "Active"), ("no*", "Inactive")]
    assert ("Sales*", "Sales") in _options(page, "department")
    assert [value for value, _ in _options(page, "location")] == ["*", "Delhi", "Pune"]  # "All"
    # A department or location nobody is in now (a link kept from before) is still shown as
    # what the list is filtered by, first after "All".
    page = signed_in(org_a).get(LIST, {"department": "Legal", "location": "Agra"}).content.decode()
    assert _options(page, "department") == [
        ("", "All"),
        ("Legal*", "Legal"),
        ("Finance", "Finance"),
        ("Sales", "Sales"),
    ]
    assert _options(page, "location")[:2] == [("", "All"), ("Agra*", "Agra")]
    assert "No employees match" in page
    # A value the menus do not offer is dropped, as the filter drops it.
    page = signed_in(org_a).get(LIST, {"status": "7", "active": "maybe"}).content.decode()
    assert _options(page, "status")[0] == ("*", "All") and _options(page, "active")[0] == ("*", "All")


@pytest.mark.parametrize(
    ("params", "matches"),
    [
        ({}, 5),
        ({"active": "no"}, 1),
        ({"active": "yes", "progress": "verified"}, 2),
        ({"progress": "declined"}, 1),
        ({"progress": "withdrawn"}, 0),
    ],
)
def test_matches_on_activity_and_progress_come_from_the_totals_without_a_count(org_a, params, matches):
    _roster(org_a)
    client = signed_in(org_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, params)
    assert response.context["page"].paginator.count == matches == len(_codes(response))
    assert not [q for q in queries.captured_queries if '"__count"' in q["sql"]]


@pytest.mark.parametrize(
    ("sort", "codes"),
    [
        ("name", ["E1", "E2", "E3", "E4", "E5"]),
        ("-name", ["E5", "E4", "E3", "E2", "E1"]),
        ("code", ["E1", "E2", "E3", "E4", "E5"]),
        ("-code", ["E5", "E4", "E3", "E2", "E1"]),
        ("department", ["E4", "E2", "E5", "E1", "E3"]),  # blank first, then by name
        ("status", ["E1", "E2", "E3", "E4", "E5"]),  # fully, partially, then none by name
        ("-status", ["E3", "E4", "E5", "E2", "E1"]),
        ("verified", ["E2", "E1", "E3", "E4", "E5"]),  # newest first, never verified last
        ("-verified", ["E3", "E4", "E5", "E1", "E2"]),
    ],
)
def test_sorting(org_a, sort, codes):
    _roster(org_a)
    assert _codes(signed_in(org_a).get(LIST, {"sort": sort})) == codes


def test_sort_links_keep_the_filters_and_flip_direction(org_a):
    _roster(org_a)
    response = signed_in(org_a).get(LIST, {"q": "a", "department": "Sales", "sort": "code", "page": "1"})
    headers = response.context["sort_headers"]
    assert headers["code"] == {"url": "?q=a&department=Sales&sort=-code", "state": "ascending"}
    assert headers["name"]["url"] == "?q=a&department=Sales&sort=name"
    body = response.content.decode()
    assert 'href="/employees/export.csv?q=a&amp;department=Sales&amp;sort=code"' in body
    assert 'href="/employees/export.xlsx?q=a&amp;department=Sales&amp;sort=code"' in body
    assert 'aria-sort="ascending"' in body


def test_verified_time_is_shown_in_local_time(org_a):
    _roster(org_a)
    body = signed_in(org_a).get(LIST, {"q": "E1"}).content.decode()
    assert 'datetime="2026-03-01T12:00:00+05:30"' in body  # 06:30 UTC


# --- pages ---------------------------------------------------------------------------------


def _many(org: OrgFixture, count: int, start: int = 0) -> None:
    with schema_context(org.schema_name):
        Employee.objects.bulk_create(
            Employee(code=f"C{i:04}", full_name=f"Person {i:04}", email=f"p{i}@example.com", department="Ops")
            for i in range(start, start + count)
        )


def test_pages_of_fifty_cover_everyone_once_in_a_stable_order(org_a):
    _many(org_a, 120)
    # Ties on the sort key (same department for all) fall back to name and code.
    client = signed_in(org_a)
    pages = [client.get(LIST, {"sort": "department", "department": "Ops", "page": n}) for n in (1, 2, 3)]

    codes = [code for page in pages for code in _codes(page)]
    assert [len(_codes(page)) for page in pages] == [50, 50, 20]
    assert codes == [f"C{i:04}" for i in range(120)]
    body = pages[1].content.decode()
    assert 'href="?sort=department&amp;department=Ops&amp;page=3"' in body
    assert 'href="?sort=department&amp;department=Ops&amp;page=1" rel="prev"' in body
    assert '<span aria-current="page" class="current">2</span>' in body
    assert "120 employees match." in body
    # Past the end, or nonsense: the nearest page, not an error.
    assert _codes(client.get(LIST, {"page": "99"}))[-1] == "C0119"
    assert _codes(client.get(LIST, {"page": "x"}))[0] == "C0000"


def _verified(org: OrgFixture, code: str, *, mobile_changed: bool) -> Employee:
    employee = EmployeeFactory.create(org=org, code=code, full_name=f"Person {code}", mobile="9000000001")
    invitation = InvitationFactory.create(org=org, employee=employee)
    consent = ConsentFactory.create(org=org, invitation=invitation)
    attempt = VerificationAttemptFactory.create(org=org, consent=consent, mobile_changed=mobile_changed)
    StatusRecordFactory.create(org=org, attempt=attempt)
    return employee


def test_a_row_says_when_the_status_came_through_a_number_the_employee_entered(org_a, org_b):
    _verified(org_a, "A1", mobile_changed=True)
    _verified(org_a, "A2", mobile_changed=False)
    EmployeeFactory.create(org=org_a, code="A3", full_name="Person A3")
    # The other organization's records (same ids, other schema) tell nothing about these rows.
    _verified(org_b, "B1", mobile_changed=False)
    _verified(org_b, "B2", mobile_changed=True)
    _verified(org_b, "B3", mobile_changed=True)

    def flagged(client) -> dict[str, bool]:  # type: ignore[no-untyped-def]
        rows = re.findall(r"<tr.*?</tr>", client.get(LIST).content.decode(), flags=re.S)
        return {
            code: "data-mobile-changed" in row
            for row in rows
            for code in re.findall(r"<td>([AB]\d)</td>", row)
        }

    assert flagged(signed_in(org_a)) == {"A1": True, "A2": False, "A3": False}
    assert flagged(signed_in(org_b)) == {"B1": False, "B2": True, "B3": True}


def test_a_search_counts_its_matches_with_the_page_not_in_a_query_of_its_own(org_a, org_b):
    _many(org_a, 120)
    _many(org_b, 7)  # the other organization's people are neither counted nor listed
    client = signed_in(org_a)
    client.get(LIST, {"q": "person"})  # warm up

    def employee_queries(params: dict[str, str]):  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST, params)
        # (The filter menus' names, a WITH query, aside.)
        return [
            sql
            for sql in data_queries(captured)
            if sql.startswith("SELECT") and 'FROM "verification_employee"' in sql
        ], response

    # The page's ids with how many match, then the page's rows: the search runs once, on the
    # first page (no number, or not a number) as on a later one.
    for params, first in (
        ({"q": "person"}, 0),
        ({"q": "person", "page": "x"}, 0),
        ({"q": "person", "page": "2"}, 50),
    ):
        queries, response = employee_queries(params)
        assert len(queries) == 2, (params, queries)
        assert "OVER ()" in queries[0] and not any("SELECT COUNT(*)" in q for q in queries), queries
        assert _codes(response) == [f"C{i:04}" for i in range(first, first + 50)], params
        assert "120 employees match." in response.content.decode()
    # Past the end: the count alone finds the last page; nonsense: the first.
    assert _codes(client.get(LIST, {"q": "person", "page": "9"})) == [f"C{i:04}" for i in range(100, 120)]
    assert _codes(client.get(LIST, {"q": "person", "page": "-1"}))[0] == "C0100"
    assert _codes(client.get(LIST, {"q": "person", "page": "2x"}))[0] == "C0000"
    nobody = client.get(LIST, {"q": "nobody by that name", "page": "3"})
    assert nobody.status_code == 200 and _codes(nobody) == []
    assert _codes(signed_in(org_b).get(LIST, {"q": "person", "page": "1"})) == [f"C{i:04}" for i in range(7)]


def test_directory_query_count_does_not_grow_with_rows(org_a):
    client = signed_in(org_a)
    _many(org_a, 3)
    for employee in list(_in(org_a, Employee.objects.all())):
        with schema_context(org_a.schema_name):
            InvitationFactory.create(employee=employee)
    params = {"q": "person", "active": "yes", "sort": "verified"}
    client.get(LIST, params)  # warm up
    with CaptureQueriesContext(connection) as few:
        assert len(_codes(client.get(LIST, params))) == 3
    _many(org_a, 120, start=3)
    with schema_context(org_a.schema_name):
        for employee in Employee.objects.filter(code__gte="C0003")[:60]:
            InvitationFactory.create(employee=employee)
    with CaptureQueriesContext(connection) as many:
        assert len(_codes(client.get(LIST, params))) == 50
    assert len(data_queries(many)) == len(data_queries(few)), data_queries(many)


def _in(org: OrgFixture, queryset):  # type: ignore[no-untyped-def]
    with schema_context(org.schema_name):
        return list(queryset)


# --- one employee --------------------------------------------------------------------------


def test_detail_shows_status_invitations_and_history(org_a):
    employee = EmployeeFactory.create(
        org=org_a, code="E1", full_name="Asha Rao", mobile="9000000001", department="Sales"
    )
    with schema_context(org_a.schema_name):
        InvitationFactory.create(employee=employee)
        AuditEvent.objects.create(
            action="consent.given", actor_kind="employee", actor_label="employee", employee_id=employee.pk
        )
        AuditEvent.objects.create(
            action="verification.succeeded",
            actor_kind="system",
            actor_label="system",
            employee_id=employee.pk,
        )
        AuditEvent.objects.create(action="consent.given", actor_kind="employee", employee_id=employee.pk + 1)
    _set(
        org_a,
        employee,
        progress=Progress.VERIFIED,
        vaccination_status=VaccinationStatus.FULLY_VACCINATED,
        status_verified_at=datetime(2026, 3, 1, 6, 30, tzinfo=UTC),
    )

    response = signed_in(org_a).get(_detail(employee))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Asha Rao" in body and "Fully vaccinated" in body
    assert 'datetime="2026-03-01T12:00:00+05:30"' in body
    assert "••••••0001" in body and "9000000001" not in body
    assert [e.action for e, *_words in response.context["history"]] == [
        "verification.succeeded",
        "consent.given",
        "invitation.created",
        "employee.created",
    ]
    assert "Consent given" in body and "Invited" in body and "Verified" in body
    assert len(response.context["invitations"]) == 1
    assert "Open" in body


def test_detail_of_a_missing_or_malformed_id_is_404(org_a):
    client = signed_in(org_a)
    assert client.get("/employees/999999/").status_code == 404
    assert client.get(f"/employees/{2**70}/").status_code == 404


def test_edit_changes_details_and_keeps_the_mobile_when_blank(org_a):
    employee = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao", mobile="9000000001")
    EmployeeFactory.create(org=org_a, code="E2", full_name="Bina Das")
    client = signed_in(org_a)
    assert client.get(_detail(employee, "edit/")).status_code == 200

    taken = client.post(
        _detail(employee, "edit/"), {"code": "E2", "full_name": "Asha Rao", "email": "e1@example.com"}
    )
    assert taken.status_code == 200
    assert taken.context["form"].errors == {"code": ["An employee with this code already exists."]}

    response = client.post(
        _detail(employee, "edit/"),
        {"code": "E1", "full_name": "Asha  Rao-Menon", "email": "ASHA@example.com", "department": "Ops"},
        follow=True,
    )

    assert response.redirect_chain == [(_detail(employee), 302)]
    with schema_context(org_a.schema_name):
        employee.refresh_from_db()
        event = AuditEvent.objects.filter(action="employee.updated", employee_id=employee.pk).get()
    assert (employee.full_name, employee.email, employee.department) == (
        "Asha  Rao-Menon",
        "asha@example.com",
        "Ops",
    )
    assert employee.mobile == "+919000000001"  # kept
    assert event.data["fields"] == ["department", "email", "full_name"]
    assert event.actor_label == org_a.owner_email


def test_deactivate_keeps_the_record_out_of_the_numbers_and_reactivate_undoes_it(org_a):
    employee = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    EmployeeFactory.create(org=org_a, code="E2", full_name="Bina Das")
    with schema_context(org_a.schema_name):
        invitation = InvitationFactory.create(employee=employee)
    client = signed_in(org_a)

    asked = client.post(_detail(employee, "deactivate/"))
    assert asked.status_code == 200
    assert "Deactivate Asha Rao?" in asked.content.decode() and "stop" in asked.content.decode()
    with schema_context(org_a.schema_name):
        assert Employee.objects.get(pk=employee.pk).is_active  # nothing until HR confirms
    response = client.post(_detail(employee, "deactivate/"), {"confirmed": "1"}, follow=True)

    assert response.redirect_chain == [(_detail(employee), 302)]
    assert messages_of(response) == ["Asha Rao was deactivated: kept on record, left out of the numbers."]
    with schema_context(org_a.schema_name):
        employee.refresh_from_db()
        invitation.refresh_from_db()
        assert not employee.is_active
        assert invitation.revoked_at is not None  # the link stops working
        assert AuditEvent.objects.filter(action="employee.deactivated", employee_id=employee.pk).count() == 1
    listing = client.get(LIST)
    assert listing.context["counts"].inactive == 1
    assert sum(c.count for c in listing.context["counts"].by_progress) == 1
    assert _codes(client.get(LIST, {"active": "no"})) == ["E1"]
    client.post(_detail(employee, "deactivate/"), {"confirmed": "1"})  # twice: nothing more happens
    with schema_context(org_a.schema_name):
        assert AuditEvent.objects.filter(action="employee.deactivated").count() == 1

    client.post(_detail(employee, "reactivate/"))

    with schema_context(org_a.schema_name):
        employee.refresh_from_db()
        assert employee.is_active
        assert AuditEvent.objects.filter(action="employee.reactivated", employee_id=employee.pk).count() == 1
        # Their only link was revoked when they were deactivated: the badge and the invitation
        # row agree that nothing is open, and "Invite" sends a new link.
        assert employee.progress == Progress.NOT_INVITED
    page = client.get(_detail(employee)).content.decode()
    assert "badge-not_invited" in page and "Replaced or revoked" in page and ">Invite by e-mail<" in page


def test_invite_from_the_detail_page(org_a, django_capture_on_commit_callbacks):
    employee = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    client = signed_in(org_a)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(_detail(employee, "invite/"))

    assert response.status_code == 302 and response["Location"] == _detail(employee)
    assert len(callbacks) == 1
    with schema_context(org_a.schema_name):
        assert Invitation.objects.filter(employee=employee).count() == 1
        assert Employee.objects.get(pk=employee.pk).progress == Progress.INVITED


def test_remind_resends_the_open_invitation_only_when_the_rules_allow(
    org_a, django_capture_on_commit_callbacks
):
    employee = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    with schema_context(org_a.schema_name):
        invitation = InvitationFactory.create(employee=employee)
    client = signed_in(org_a)

    # E-mailed just now: no second e-mail the same day.
    with schema_context(org_a.schema_name):
        Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(_detail(employee, "remind/"), follow=True)
    assert callbacks == []
    assert messages_of(response)[0].startswith("No reminder sent")
    assert "Remind" not in re.sub(r"Reminders", "", response.content.decode())

    with schema_context(org_a.schema_name):
        Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(days=2))
    assert f'action="/employees/{employee.pk}/remind/"' in client.get(_detail(employee)).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(_detail(employee, "remind/"), follow=True)
    assert len(callbacks) == 1
    assert messages_of(response) == ["A reminder is on its way to Asha Rao."]


def test_inactive_employee_is_not_invited_from_the_detail_page(org_a):
    employee = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    with schema_context(org_a.schema_name):
        employee_update(employee=employee, is_active=False)
    response = signed_in(org_a).post(_detail(employee, "invite/"), follow=True)
    assert messages_of(response) == ["No invitation sent: Asha Rao is inactive."]
    with schema_context(org_a.schema_name):
        assert not Invitation.objects.exists()


# --- roles ---------------------------------------------------------------------------------


def test_hr_admin_may_use_the_directory_and_detail(org_a):
    employee = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    client = staff_client(org_a, Role.HR_ADMIN)
    assert client.get(LIST, {"q": "asha"}).status_code == 200
    assert client.get(_detail(employee)).status_code == 200
    assert client.get(_detail(employee, "edit/")).status_code == 200


def test_viewer_sees_no_names(org_a):
    employee = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    client = staff_client(org_a, Role.VIEWER)

    assert client.get(LIST, {"q": "asha"}).status_code == 403
    assert client.get(_detail(employee)).status_code == 403
    assert client.get(_detail(employee, "edit/")).status_code == 403
    for action in ("edit/", "deactivate/", "reactivate/", "invite/", "remind/"):
        assert client.post(_detail(employee, action), {"full_name": "X"}).status_code == 403
    with schema_context(org_a.schema_name):
        employee.refresh_from_db()
        assert employee.is_active and employee.full_name == "Asha Rao"
        assert not Invitation.objects.exists()


@pytest.mark.parametrize("suffix", ["", "edit/"])
def test_anonymous_users_are_sent_to_sign_in_from_an_employees_page(org_a, suffix):
    employee = EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    response = host_client(org_a.host).get(_detail(employee, suffix))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- two organizations ---------------------------------------------------------------------


def _bravo_employee(org_b: OrgFixture) -> Employee:
    """An employee of bravo whose id names nobody in alpha (ids are per schema)."""
    with schema_context(org_b.schema_name):
        return Employee.objects.create(
            pk=987_654_321, code="B1", full_name="Bravo Person", email="b1@example.com", department="Ops"
        )


def test_another_organizations_employee_is_not_found_from_every_url(org_a, org_b):
    EmployeeFactory.create(org=org_a, code="A1", full_name="Alpha Person")
    theirs = _bravo_employee(org_b)
    with schema_context(org_b.schema_name):
        InvitationFactory.create(employee=theirs)
        Invitation.objects.update(sent_at=timezone.now() - timedelta(days=2))
    with schema_context(org_a.schema_name):
        assert not Employee.objects.filter(pk=theirs.pk).exists()
    client = signed_in(org_a)

    assert client.get(_detail(theirs)).status_code == 404
    assert client.get(_detail(theirs, "edit/")).status_code == 404
    for action in ("edit/", "deactivate/", "reactivate/", "invite/", "remind/"):
        response = client.post(
            _detail(theirs, action), {"code": "B1", "full_name": "Hacked", "email": "h@example.com"}
        )
        assert response.status_code == 404, action

    with schema_context(org_b.schema_name):
        theirs.refresh_from_db()
        assert (theirs.full_name, theirs.is_active) == ("Bravo Person", True)
        assert Invitation.objects.filter(employee=theirs).count() == 1
        assert not AuditEvent.objects.filter(action__in=["employee.updated", "employee.deactivated"]).exists()


def test_directory_search_never_reaches_another_organization(org_a, org_b):
    EmployeeFactory.create(org=org_a, code="A1", full_name="Alpha Person")
    EmployeeFactory.create(org=org_b, code="B1", full_name="Bravo Person")
    client = signed_in(org_a)
    assert _codes(client.get(LIST, {"q": "person"})) == ["A1"]
    assert _codes(client.get(LIST, {"q": "bravo"})) == []
