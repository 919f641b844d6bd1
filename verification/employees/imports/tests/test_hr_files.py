"""Imports as HR's files really are (issue 17, and the preview of 16.13): each case is a file
made here, uploaded through the page as a browser does (the real form POST)."""

from __future__ import annotations

import csv
import io
import random

import openpyxl
import pytest
from django_tenants.utils import schema_context

from portal.testing import OrgFixture, signed_in
from verification.employees.imports.services import import_job_run, import_job_validate
from verification.employees.imports.tests.helpers import (
    codes,
    form_errors,
    job_url,
    latest_job,
    upload,
    xlsx_of,
)
from verification.models import AuditEvent, Employee, ImportColumnMapping, ImportJob
from verification.tests.factories import ImportJobFactory

pytestmark = pytest.mark.django_db


def _errors(job: ImportJob) -> list[tuple[int, str, str, str]]:
    return [(e["line"], e["column"], e["message"], e["value"]) for e in job.errors]


def _preview(client, name: str, content: bytes) -> ImportJob:  # type: ignore[no-untyped-def]
    response = upload(client, name, content)
    assert response.status_code == 302, form_errors(response)
    return ImportJob.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def _in(org: OrgFixture):  # type: ignore[no-untyped-def]
    return schema_context(org.schema_name)


# --- 17.1 / 17.2: mobiles ---------------------------------------------------------------------


def test_mobiles_excel_shortened_are_refused_and_every_refusal_says_why(org_a):
    content = (
        b"code,name,email,mobile\n"
        b"M1,Asha,m1@example.com,9.87654321E9\n"
        b"M2,Bina,m2@example.com,9.88E+09\n"
        b"M3,Chetan,m3@example.com,9876543210.5\n"
        b"M4,Dev,m4@example.com,8022282145\n"
        b"M5,Esha,m5@example.com,12345\n"
        b"M6,Farah,m6@example.com,98765432101\n"
        b"M7,Gita,m7@example.com,+14155552671\n"
        b"M8,Hari,m8@example.com,1800123456\n"
        b"M9,Isha,m9@example.com,5698091148\n"
        b"M10,Jai,m10@example.com,9876543210 / 9876543211\n"
        b"M11,Kiran,m11@example.com,9876543210.0\n"
    )
    client = signed_in(org_a)
    with _in(org_a):
        job = _preview(client, "mobiles.csv", content)
        errors = {line: (message, value) for line, _c, message, value in _errors(job)}
    shortened = "This looks like a number Excel shortened"
    assert errors[2] == (
        f"{shortened} (scientific notation or decimals): digits may be lost. Format the column as "
        "text, type the number again and upload the file again.",
        "••••••••21E9",
    )
    assert errors[3][0].startswith(shortened) and errors[4][0].startswith(shortened)
    assert errors[5] == (
        "A landline (Bangalore, Karnataka): CoWIN sends the OTP by SMS to a mobile. "
        "Give the employee's mobile.",
        "••••••2145",
    )
    assert errors[6][0] == "Too short: 5 digits; an Indian mobile has 10."
    assert errors[7][0] == "Too long: 11 digits; an Indian mobile has 10."
    assert errors[8][0] == (
        "Not an Indian number (+1, United States): CoWIN sends the OTP to Indian mobiles only."
    )
    assert errors[9][0] == "A toll-free number, not a mobile: CoWIN sends the OTP by SMS to a mobile."
    assert errors[10][0] == "Not a number any Indian operator has issued (no mobile starts this way)."
    assert errors[11][0] == "Not one phone number: put a single mobile in the cell, digits only."
    assert 12 not in errors  # "9876543210.0" is the exact number a float cell holds
    assert job.summary["create"] == 1 and job.summary["error"] == 10
    # The number is never shown whole, on the page either.
    page = client.get(job_url(job.pk)).content.decode()
    assert "••••••2145" in page and "8022282145" not in page and "87654321" not in page
    assert "Bangalore, Karnataka" in page


def test_xlsx_mobile_cells_as_numbers_and_as_shortened_text(org_a):
    content = xlsx_of(
        [
            ("code", "name", "email", "mobile"),
            ("X1", "Asha", "x1@example.com", 9876543210),  # a number cell: exact
            ("X2", "Bina", "x2@example.com", 9876543210.5),
            ("X3", "Chetan", "x3@example.com", "9.87654321E+09"),
        ]
    )
    client = signed_in(org_a)
    with _in(org_a):
        job = _preview(client, "mobiles.xlsx", content)
    assert [line for line, *_rest in _errors(job)] == [3, 4]
    assert all("Excel shortened" in message for _l, _c, message, _v in _errors(job))


def test_the_upload_page_states_the_mobile_rule_applied(org_a):
    page = signed_in(org_a).get("/employees/import/").content.decode()
    assert "6, 7, 8 or 9" in page and "landline" in page and "scientific notation" in page
    assert "10 digits, optionally with +91 or 0" not in page


# --- 17.3 / 16.13: header aliases and the mapping step ------------------------------------------


def test_usual_hr_headers_are_recognised(org_a):
    content = (
        b"Emp ID,Name as per ID,Email ID,Mobile No.,Division,Work Location\n"
        b"H1,Asha Verma,asha@example.com,9876543210,Finance,Pune\n"
    )
    client = signed_in(org_a)
    with _in(org_a):
        job = _preview(client, "hr.csv", content)
    assert job.status == ImportJob.Status.VALIDATED
    assert job.summary["columns"] == ["code", "full_name", "email", "mobile", "department", "location"]
    client.post(f"{job_url(job.pk)}confirm/")
    employee = codes(org_a)["H1"]
    assert (employee.department, employee.location) == ("Finance", "Pune")
    for header in (
        "Staff ID",
        "Employee No.",
        "Contact",
        "Team",
        "Base Location",
        "Branch",
        "Site",
        "Office",
    ):
        assert header.lower().rstrip(".") in page_aliases(client)


def page_aliases(client) -> str:  # type: ignore[no-untyped-def]
    return client.get("/employees/import/").content.decode().lower()


def test_an_unknown_column_stops_at_the_preview_is_mapped_and_remembered(org_a, org_b):
    content = (
        b"code,name,email,Branch Name,Remarks\n"
        b"U1,Asha,u1@example.com,Pune,new joiner\n"
        b"U2,Bina,u2@example.com,Delhi,\n"
    )
    client = signed_in(org_a)
    with _in(org_a):
        job = _preview(client, "branches.csv", content)
    assert job.status == ImportJob.Status.MAPPING
    page = client.get(job_url(job.pk)).content.decode()
    assert "Columns to map" in page and f'action="/employees/import/{job.pk}/columns/"' in page
    assert "“Branch Name” → <strong>not known yet</strong>" in page
    assert f'action="/employees/import/{job.pk}/confirm/"' not in page
    # No confirming past the question.
    client.post(f"{job_url(job.pk)}confirm/")
    assert latest_job(org_a).status == ImportJob.Status.MAPPING
    # The same field twice is refused.
    twice = client.post(f"{job_url(job.pk)}columns/", {"column_0": "location", "column_1": "location"})
    assert twice.status_code == 400 and "is already Location" in twice.content.decode()
    # Another organization cannot answer for this job.
    assert signed_in(org_b).post(f"{job_url(job.pk)}columns/", {"column_0": "location"}).status_code == 404

    response = client.post(f"{job_url(job.pk)}columns/", {"column_0": "location", "column_1": "ignore"})
    assert response.status_code == 302
    job = latest_job(org_a)
    assert job.status == ImportJob.Status.VALIDATED and job.summary["create"] == 2
    client.post(f"{job_url(job.pk)}confirm/")
    assert codes(org_a)["U1"].location == "Pune"
    with _in(org_a):
        assert dict(ImportColumnMapping.objects.values_list("header", "field")) == {
            "branch name": "location",
            "remarks": "",
        }

    # The next upload is read the same way, and the preview says so.
    again = content.replace(b"Pune", b"Mumbai")
    with _in(org_a):
        job = _preview(client, "branches-2.csv", again)
    assert job.status == ImportJob.Status.VALIDATED and job.summary["update"] == 1
    page = client.get(job_url(job.pk)).content.decode()
    assert (
        '“Branch Name” → Location <span class="help">(your mapping, remembered for this organization)</span>'
        in page
    )
    assert "“Remarks” → ignored" in page
    # Remembered per organization: the other one is asked.
    with _in(org_b):
        other = _preview(signed_in(org_b), "branches.csv", content)
    assert other.status == ImportJob.Status.MAPPING


def test_a_required_column_under_another_name_is_asked_for(org_a):
    content = b"Ref,name,email\nR1,Asha,r1@example.com\n"
    client = signed_in(org_a)
    with _in(org_a):
        job = _preview(client, "ref.csv", content)
    assert job.status == ImportJob.Status.MAPPING and job.summary["missing"] == ["code"]
    refused = client.post(f"{job_url(job.pk)}columns/", {"column_0": "ignore"})
    assert refused.status_code == 400
    assert "The file still has no column for: Employee code." in refused.content.decode()
    client.post(f"{job_url(job.pk)}columns/", {"column_0": "code"})
    job = latest_job(org_a)
    assert job.status == ImportJob.Status.VALIDATED and job.summary["create"] == 1


def test_the_preview_confirmed_uses_the_mapping_it_showed(org_a):
    # HR maps the column differently on another upload between preview and confirm: the
    # confirmed one is written as its preview said.
    content = b"code,name,email,Region\nG1,Asha,g1@example.com,West\n"
    client = signed_in(org_a)
    with _in(org_a):
        first = _preview(client, "r.csv", content)
    client.post(f"{job_url(first.pk)}columns/", {"column_0": "location"})
    with _in(org_a):
        ImportColumnMapping.objects.filter(header="region").update(field="department")
    client.post(f"{job_url(first.pk)}confirm/")
    employee = codes(org_a)["G1"]
    assert (employee.location, employee.department) == ("West", "")


# --- 17.4: formulas without a saved value ----------------------------------------------------


def test_a_formula_cell_without_a_saved_value_is_named(org_a):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(("code", "name", "email"))
    sheet.append(("F1", '=A2&" Verma"', "f1@example.com"))  # openpyxl saves no value for it
    sheet.append(("F2", "Bina", "f2@example.com"))
    out = io.BytesIO()
    workbook.save(out)
    client = signed_in(org_a)
    with _in(org_a):
        job = _preview(client, "formula.xlsx", out.getvalue())
    assert _errors(job) == [
        (
            2,
            "full_name",
            "This cell holds a formula without a saved value; open the file in Excel, save it, upload again.",
            "",
        )
    ]
    assert job.summary["create"] == 1


# --- 17.5: the whole file is checked by the preview ------------------------------------------


def _rows(count: int) -> str:
    return "".join(f"N{i},Person {i},n{i}@example.com\n" for i in range(count))


def test_a_nul_byte_after_the_first_4_kb_is_refused_by_the_preview(org_a):
    body = _rows(400)
    content = ("code,name,email\n" + body + "N999,Zed\x00,z@example.com\n").encode()
    assert len(content) > 4096
    response = upload(signed_in(org_a), "nul.csv", content)
    assert response.status_code == 400
    assert form_errors(response) == [
        "Line 402 holds a NUL character (a zero byte), which no text file has: the file is damaged or "
        "not a CSV. Save it again from your spreadsheet as CSV UTF-8."
    ]
    assert "N1" not in codes(org_a)


def test_an_encoding_error_anywhere_is_refused_with_its_line(org_a):
    content = ("code,name,email\n" + _rows(300)).encode() + "N999,Jos\xe9,j@example.com\n".encode("latin-1")
    response = upload(signed_in(org_a), "latin.csv", content)
    assert response.status_code == 400
    assert form_errors(response)[0].startswith("Line 302 is not UTF-8 text (byte 0xE9)")


def test_utf16_text_from_excel_is_read_and_said(org_a):
    content = "code\tname\temail\nT1\tआशा वर्मा\tt1@example.com\n".encode("utf-16")
    client = signed_in(org_a)
    with _in(org_a):
        job = _preview(client, "unicode.txt", content)
    assert job.status == ImportJob.Status.VALIDATED and job.summary["create"] == 1
    assert (job.summary["encoding"], job.summary["delimiter"]) == ("utf-16", "\t")
    page = client.get(job_url(job.pk)).content.decode()
    assert "Read as UTF-16 (Excel “Unicode text”), columns separated by tabs." in page


_MESSY_CELLS = {
    "code": ["E{n}", "{n}", "{n}.0", "0{n}", "", " E{n} ", "E{n}\t", "=E{n}"],
    "name": ["Asha Verma", "आशा वर्मा", "", "x" * 151, 'Ravi "RK" Kumar', "Line\nbreak", "Zed\u202e"],
    "email": ["p{n}@example.com", "P{n}@Example.com", "bad@", "", "p{n}@example"],
    "mobile": [
        "",
        "98765{n:05d}",
        "9.87654321E9",
        "8022282145",
        "+91 98765 {n:05d}",
        "12345",
        "98765{n:05d}.0",
    ],
    "location": ["", "Pune", "Bengaluru", "y" * 101],
}


def _messy_file(seed: int) -> tuple[str, bytes]:
    chance = random.Random(seed)  # noqa: S311  # reproducible test data
    count = chance.randint(1, 40)
    rows = [["code", "name", "email", "mobile", "location"]]
    for _ in range(count):
        n = chance.randint(1, 60)  # codes repeat now and then
        rows.append([chance.choice(_MESSY_CELLS[key]).format(n=n) for key in _MESSY_CELLS])
    if chance.random() < 0.5:
        xlsx_rows = [[cell.replace("\n", " ") for cell in row] for row in rows]
        return "messy.xlsx", xlsx_of(xlsx_rows)
    out = io.StringIO()
    csv.writer(out, delimiter=chance.choice(",;"), lineterminator=chance.choice(["\n", "\r\n"])).writerows(
        rows
    )
    prefix = "\ufeff" if chance.random() < 0.5 else ""
    return "messy.csv", (prefix + out.getvalue()).encode()


def test_confirm_never_finds_an_error_the_preview_did_not_report(org_a):
    # Property-style: 60 generated messy files (seeded, so a failure names its seed). Whatever
    # the preview reported, the confirmed import writes without failing, refuses exactly the
    # errors the preview listed, and writes exactly the rows it announced.
    confirmed = 0
    with _in(org_a):
        for seed in range(60):
            # Employees stay from one file to the next: later files update some (codes repeat).
            before = Employee.objects.count()
            name, content = _messy_file(seed)
            job = ImportJobFactory.create(filename=name, content=content, status=ImportJob.Status.UPLOADED)
            import_job_validate(job_id=job.pk)
            job.refresh_from_db()
            if job.status == ImportJob.Status.FAILED:
                continue  # refused as a whole by the preview: nothing to confirm
            assert job.status == ImportJob.Status.VALIDATED, (seed, job.status)
            preview = (job.summary["create"], job.summary["update"], job.summary["error"], job.errors)
            ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CONFIRMED)
            import_job_run(job_id=job.pk)
            job.refresh_from_db()
            assert job.status == ImportJob.Status.DONE, (seed, job.failure)
            assert (
                job.summary["create"],
                job.summary["update"],
                job.summary["error"],
                job.errors,
            ) == preview, seed
            assert Employee.objects.count() == before + preview[0], seed
            confirmed += 1
    assert confirmed == 60  # the generated files are messy rows, never a file refused whole


# --- 17.6: one rule for codes ----------------------------------------------------------------


def test_code_1_0_is_the_same_employee_from_a_csv_and_from_an_xlsx(org_a):
    client = signed_in(org_a)
    with _in(org_a):
        job = _preview(
            client, "a.csv", b"code,name,email\n1.0,Asha,a@example.com\n0042.00,Bina,b@example.com\n"
        )
    client.post(f"{job_url(job.pk)}confirm/")
    assert set(codes(org_a)) >= {"1", "0042"}
    content = xlsx_of(
        [("code", "name", "email"), (1.0, "Asha Verma", "a@example.com"), ("0042.00", "Bina", "b@x.in")]
    )
    with _in(org_a):
        job = _preview(client, "a.xlsx", content)
    assert (job.summary["create"], job.summary["update"]) == (0, 2)
    assert "1.0" not in codes(org_a)


# --- 17.7: an unclosed quote -----------------------------------------------------------------


def test_an_unclosed_quote_is_named_where_it_opens(org_a):
    content = b'code,name,email\nQ1,"Asha,q1@example.com\nQ2,Bina,q2@example.com\nQ3,Chetan,q3@example.com\n'
    response = upload(signed_in(org_a), "quote.csv", content)
    assert response.status_code == 400
    assert form_errors(response) == ['Line 2: a quote (") opens here and never closes.']


def test_an_unclosed_quote_in_a_long_file_checked_in_the_background_too(org_a):
    # Past the csv module's cell limit: the quote is still named, not "a cell is too long".
    content = ('code,name,email\nQ1,"Asha,q1@example.com\n' + _rows(2000)).encode()
    assert upload(signed_in(org_a), "quote.csv", content).status_code == 302  # > IMPORT_ASYNC_ROWS
    job = latest_job(org_a)
    with _in(org_a):
        import_job_validate(job_id=job.pk)  # the task's body
    job = latest_job(org_a)
    assert (job.status, job.failure) == (
        ImportJob.Status.FAILED,
        'Line 2: a quote (") opens here and never closes.',
    )


def test_a_quoted_cell_over_several_lines_is_still_read(org_a):
    content = b'code,name,email,location\nQ1,Asha,q1@example.com,"Tower B\nPune"\nQ2,Bina,q2@example.com,\n'
    with _in(org_a):
        job = _preview(signed_in(org_a), "ok.csv", content)
    assert [line for line, *_ in _errors(job)] == [2]  # a line break is refused in a location, on line 2


# --- 17.8: cancel until writing starts --------------------------------------------------------


def test_cancel_while_the_file_is_still_being_checked(org_a, settings):
    settings.IMPORT_ASYNC_ROWS = 3
    client = signed_in(org_a)
    upload(client, "big.csv", ("code,name,email\n" + _rows(10)).encode())
    job = latest_job(org_a)
    assert job.status == ImportJob.Status.UPLOADED
    page = client.get(job_url(job.pk)).content.decode()
    assert f'action="/employees/import/{job.pk}/cancel/"' in page
    assert client.post(f"{job_url(job.pk)}cancel/").status_code == 302
    with _in(org_a):
        import_job_validate(job_id=job.pk)  # the task, arriving late
    job = latest_job(org_a)
    assert job.status == ImportJob.Status.CANCELLED and job.content == b""


def test_cancel_after_confirming_until_the_worker_starts_writing(org_a, settings):
    settings.IMPORT_ASYNC_ROWS = 3
    client = signed_in(org_a)
    upload(client, "big.csv", ("code,name,email\n" + _rows(10)).encode())
    job = latest_job(org_a)
    with _in(org_a):
        import_job_validate(job_id=job.pk)
    client.post(f"{job_url(job.pk)}confirm/")
    assert latest_job(org_a).status == ImportJob.Status.CONFIRMED
    page = client.get(job_url(job.pk)).content.decode()
    assert "Confirmed: the import starts in a moment…" in page and "/cancel/" in page
    response = client.post(f"{job_url(job.pk)}cancel/", follow=True)
    assert "Import cancelled: nothing was written." in response.content.decode()
    with _in(org_a):
        import_job_run(job_id=job.pk)  # the task, arriving late
    assert latest_job(org_a).status == ImportJob.Status.CANCELLED
    assert "N1" not in codes(org_a)


def test_no_cancel_once_writing_has_started(org_a):
    with _in(org_a):
        job = ImportJobFactory.create(filename="x.csv", status=ImportJob.Status.IMPORTING)
    response = signed_in(org_a).post(f"{job_url(job.pk)}cancel/", follow=True)
    assert "This import can no longer be cancelled." in response.content.decode()
    assert latest_job(org_a).status == ImportJob.Status.IMPORTING


# --- 17.10 / 16.13: what the preview says -----------------------------------------------------


def test_the_preview_says_encoding_delimiter_and_header_mapping(org_a):
    content = "\ufeffEmp ID;Full Name;E-mail;Work Location\nP1;Asha;p1@example.com;Pune\n".encode()
    client = signed_in(org_a)
    with _in(org_a):
        job = _preview(client, "semi.csv", content)
    page = client.get(job_url(job.pk)).content.decode()
    assert "Read as UTF-8 with BOM, columns separated by semicolons." in page
    assert "“Emp ID” → Employee code" in page and "“Work Location” → Location" in page
    with _in(org_a):
        job = _preview(
            client, "p.xlsx", xlsx_of([("code", "name", "email"), ("P2", "Bina", "p2@example.com")])
        )
    assert "Read as an Excel workbook (its first sheet)." in client.get(job_url(job.pk)).content.decode()


def test_the_error_file_lists_the_values_and_its_download_is_audited(org_a, org_b):
    content = b"code,name,email,mobile\nV1,Asha,bad@,9876543210\nV2,Bina,v2@example.com,8022282145\n"
    client = signed_in(org_a)
    with _in(org_a):
        job = _preview(client, "v.csv", content)
    download = client.get(f"{job_url(job.pk)}errors.csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == ["Line", "Column", "Value", "Problem"]
    assert rows[1][:3] == ["2", "Email", "bad@"]
    assert rows[2][:3] == ["3", "Mobile", "••••••2145"] and "8022282145" not in download.content.decode()
    with _in(org_a):
        event = AuditEvent.objects.get(action="import.errors_downloaded", data__import_job_id=job.pk)
    assert event.actor_label == org_a.owner_email and event.data == {
        "import_job_id": job.pk,
        "filename": "v.csv",
        "errors": 2,
    }
    # Another organization's session: not found, and nothing recorded there.
    assert signed_in(org_b).get(f"{job_url(job.pk)}errors.csv").status_code == 404
    with _in(org_b):
        assert not AuditEvent.objects.filter(
            action="import.errors_downloaded", data__import_job_id=job.pk
        ).exists()
