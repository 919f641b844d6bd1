"""Bulk import of employees: reading files, checking rows, the preview, confirming, the
worker path for large files, and two organizations."""

from __future__ import annotations

import io
import time
import uuid
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from conftest import OrgFixture, signed_in
from verification import imports
from verification.crypto import lookup_digest
from verification.imports import ImportFileError, check_rows, read_table
from verification.models import AuditEvent, Employee, ImportJob
from verification.roles import Role
from verification.services.employees import employee_create
from verification.services.staff import staff_user_create

UPLOAD = "/employees/import/"


def _job_url(job_id: int) -> str:
    return f"{UPLOAD}{job_id}/"


def _signed_in(org: OrgFixture, email: str | None = None) -> Client:
    return signed_in(org, email)


def _upload(client: Client, name: str, content: bytes):  # type: ignore[no-untyped-def]
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})


def _latest_job(org: OrgFixture) -> ImportJob:
    with schema_context(org.schema_name):
        job = ImportJob.objects.order_by("-pk").first()
    assert job is not None
    return job


def _codes(org: OrgFixture) -> dict[str, Employee]:
    with schema_context(org.schema_name):
        return {e.code: e for e in Employee.objects.all()}


def _form_errors(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(e) for e in response.context["form"].errors.get("file", [])]


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _zip_with(name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, "<x/>")
    return out.getvalue()


# --- reading (pure) --------------------------------------------------------------------------


def test_csv_with_bom_semicolons_crlf_aliases_and_excel_quirks():
    content = (
        "\ufeffEmp ID;EMPLOYEE NAME;E-mail;Phone Number;Dept;City;;\r\n"
        "E1;Asha  Verma;Asha@Example.com;9000000001.0;Finance;Pune;;\r\n"
        "'007;Ravi Kumar;ravi@example.com;'+91 90000 00002;;;;\r\n"
        ";;;;;;;\r\n"
        "\r\n"
    ).encode()

    table = read_table("people.csv", content)

    assert table.columns == ("code", "full_name", "email", "mobile", "department", "location")
    assert [row.line for row in table.rows] == [2, 3]
    checked = check_rows(table.rows)
    assert checked.errors == []
    first, second = checked.rows
    assert (first.code, first.full_name, first.email, first.mobile) == (
        "E1",
        "Asha Verma",
        "asha@example.com",
        "+919000000001",
    )
    assert (first.department, first.location) == ("Finance", "Pune")
    assert (second.code, second.mobile, second.department) == ("007", "+919000000002", None)


def test_comma_csv_with_quotes_and_unknown_columns_ignored():
    content = (
        b'code,name,email,notes\nE1,"Verma, Asha",asha@example.com,"two\nlines"\nE2,Bina,bina@example.com,\n'
    )

    table = read_table("people.CSV", content)

    assert table.ignored_headers == ("notes",)
    assert [(row.line, row.values["full_name"]) for row in table.rows] == [(2, "Verma, Asha"), (4, "Bina")]


def test_xlsx_numbers_as_floats_apostrophes_and_trailing_blank_rows():
    content = _xlsx(
        [
            ["Employee Code", "Full Name", "Email Address", "Mobile", None],
            [1001, "Asha Verma", "asha@example.com", 9000000001.0, None],
            ["'E2", "Ravi Kumar", "ravi@example.com", "'9000000002", None],
            [None, None, None, None, None],
        ]
    )

    checked = check_rows(read_table("people.xlsx", content).rows)

    assert checked.errors == []
    assert [(r.code, r.mobile) for r in checked.rows] == [("1001", "+919000000001"), ("E2", "+919000000002")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("people.csv", b"", "empty"),
        ("people.csv", b"\xef\xbb\xbf\r\n\r\n", "empty"),
        ("people.csv", b"code,name,email\r\n\r\n,,\r\n", "no employees"),
        ("people.pdf", b"%PDF-1.4", "CSV (.csv) or Excel (.xlsx)"),
        ("people.xls", b"\xd0\xcf\x11\xe0", ".xls"),
        ("people.xlsx", b"code,name,email\n", "not a valid Excel"),
        ("people.xlsx", _zip_with("word/document.xml"), "not a valid Excel"),
        ("people.csv", b"PK\x03\x04rest-of-a-zip", "not a CSV"),
        ("people.csv", "code,name,email\nE1,Zoë,z@example.com\n".encode("latin-1"), "UTF-8"),
        ("people.csv", b"code,name\nE1,Asha\n", "Email"),
        ("people.csv", b"code,name,full name,email\n", "both mean"),
    ],
)
def test_files_that_cannot_be_imported_say_why(name, content, message):
    with pytest.raises(ImportFileError) as raised:
        read_table(name, content)
    assert message in raised.value.message


def test_row_errors_by_line_and_column():
    content = (
        "code,name,email,mobile,department\n"
        "E1,Asha,asha@example.com,9000000001,Finance\n"
        "\n"  # blank line 3: skipped, but line numbers stay those of the file
        "E2,,not-an-email,12345,\n"
        ",Ravi,ravi@example.com,+1 202 555 0100,\n"
        "E4,Bina,bina@example,5000000001,\n"
        f"E5,Chetan,chetan@example.com,,{'x' * 101}\n"
    ).encode()

    checked = check_rows(read_table("people.csv", content).rows)

    assert [r.code for r in checked.rows] == ["E1"]
    assert [(e.line, e.column) for e in checked.errors] == [
        (4, "full_name"),
        (4, "email"),
        (4, "mobile"),
        (5, "code"),
        (5, "mobile"),
        (6, "email"),
        (6, "mobile"),
        (7, "department"),
    ]
    assert checked.error_rows == 4
    assert "Indian mobile" in checked.errors[2].message


def test_a_code_twice_in_the_file_imports_neither_row():
    content = b"code,name,email\nE1,Asha,a@example.com\nE2,Bina,b@example.com\nE1,Asha V,a2@example.com\n"

    checked = check_rows(read_table("people.csv", content).rows)

    assert [r.code for r in checked.rows] == ["E2"]
    assert [(e.line, e.column) for e in checked.errors] == [(2, "code"), (4, "code")]
    assert "line(s) 4" in checked.errors[0].message
    assert "line(s) 2" in checked.errors[1].message


def test_template_file_reads_back_as_one_valid_row():
    table = read_table("template.csv", imports.template_csv())
    checked = check_rows(table.rows)
    assert checked.errors == [] and len(checked.rows) == 1
    assert set(table.columns) == set(imports.COLUMN_ALIASES)


# --- pages: upload, preview, confirm ----------------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_upload_page_lists_aliases_and_offers_the_template(org_a):
    client = _signed_in(org_a)
    body = client.get(UPLOAD).content.decode()
    assert "emp id" in body and "e-mail" in body and "dept" in body and "office" in body
    response = client.get(f"{UPLOAD}template.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").startswith("Employee code,Full name,Email,Mobile")


@pytestmark_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("people.csv", b"", "The file is empty."),
        ("people.csv", b"Employee code;Name;Email\r\n", "no employees"),
        ("people.docx", b"PK\x03\x04", "Upload a CSV (.csv) or Excel (.xlsx) file."),
    ],
)
def test_upload_says_what_is_wrong_and_imports_nothing(org_a, name, content, message):
    before = len(_codes(org_a))
    response = _upload(_signed_in(org_a), name, content)
    assert response.status_code == 400
    assert any(message in error for error in _form_errors(response)), _form_errors(response)
    assert len(_codes(org_a)) == before


@pytestmark_db
def test_upload_over_the_size_limit_is_refused_before_it_is_stored(org_a, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    content = b"code,name,email\n" + b"E1,Asha,a@example.com\n" * 50000
    response = _upload(_signed_in(org_a), "big.csv", content)
    assert response.status_code == 400
    assert "larger than 1 MB" in _form_errors(response)[0]
    with schema_context(org_a.schema_name):
        assert not ImportJob.objects.exists()
    with schema_context(org_a.schema_name), pytest.raises(ImportFileError, match="larger than"):
        imports.import_job_create(filename="big.csv", content=content)


@pytestmark_db
def test_preview_counts_create_update_unchanged_and_writes_nothing_until_confirmed(org_a):
    with schema_context(org_a.schema_name):
        employee_create(code="E1", full_name="Asha Verma", email="asha@example.com", mobile="9000000001")
        employee_create(code="E2", full_name="Bina Das", email="bina@example.com", department="Sales")
        employee_create(code="E3", full_name="Chetan Roy", email="chetan@example.com", mobile="9000000003")
        employee_create(code="E4", full_name="Dev Rao", email="dev@example.com", location="Pune")
    content = (
        b"code,name,email,mobile,department,location\n"
        b"E1,Asha Verma,ASHA@example.com,+91 90000 00001,,\n"  # unchanged (same mobile, blank dept)
        b"E2,Bina Das,bina.das@example.com,,,\n"  # updated: email
        b"E3,Chetan Roy,chetan@example.com,9000000013,,\n"  # updated: mobile
        b"E4,Dev Rao,dev@example.com,,HR,\n"  # updated: department; location kept
        b"E5,Esha Nair,esha@example.com,9000000005,Ops,Delhi\n"  # created
        b"E6,Farah,farah@example,,,\n"  # error
    )
    client = _signed_in(org_a)

    response = _upload(client, "people.csv", content)

    job = _latest_job(org_a)
    assert response.status_code == 302 and response["Location"] == _job_url(job.pk)
    assert job.status == ImportJob.Status.VALIDATED
    assert job.summary["create"] == 1
    assert job.summary["update"] == 3
    assert job.summary["unchanged"] == 1
    assert job.summary["error"] == 1
    assert job.errors == [{"line": 7, "column": "email", "message": "Not a valid e-mail address."}]
    page = client.get(_job_url(job.pk)).content.decode()
    assert "Will be added" in page and "Not a valid e-mail address." in page
    assert f'action="/employees/import/{job.pk}/confirm/"' in page
    # Nothing written yet.
    before = _codes(org_a)
    assert "E5" not in before and before["E2"].email == "bina@example.com"
    with schema_context(org_a.schema_name):
        assert not AuditEvent.objects.filter(action="employees.imported").exists()

    response = client.post(f"{_job_url(job.pk)}confirm/")

    assert response.status_code == 302
    job = _latest_job(org_a)
    assert job.status == ImportJob.Status.DONE
    assert bytes(job.content) == b""  # the file is not kept
    after = _codes(org_a)
    assert after["E1"].updated_at == before["E1"].updated_at
    assert after["E2"].email == "bina.das@example.com" and after["E2"].department == "Sales"
    assert after["E3"].mobile == "+919000000013" and after["E3"].mobile_last4 == "0013"
    assert after["E3"].mobile_digest == lookup_digest("+919000000013")
    assert (after["E4"].department, after["E4"].location) == ("HR", "Pune")
    new = after["E5"]
    assert (new.full_name, new.email, new.mobile, new.department, new.location) == (
        "Esha Nair",
        "esha@example.com",
        "+919000000005",
        "Ops",
        "Delhi",
    )
    assert new.is_active and new.progress == "not_invited" and new.mobile_last4 == "0005"
    assert "E6" not in after
    with schema_context(org_a.schema_name):
        # Stored encrypted, never in clear.
        with connection.cursor() as cursor:
            cursor.execute("SELECT mobile FROM verification_employee WHERE code = 'E5'")
            assert "9000000005" not in cursor.fetchone()[0]
        event = AuditEvent.objects.get(action="employees.imported")
    assert event.actor_label == org_a.owner_email
    assert event.data == {
        "import_job_id": job.pk,
        "filename": "people.csv",
        "created": 1,
        "updated": 3,
        "unchanged": 1,
        "skipped": 1,
    }
    # A second confirmation does nothing.
    client.post(f"{_job_url(job.pk)}confirm/")
    with schema_context(org_a.schema_name):
        assert AuditEvent.objects.filter(action="employees.imported").count() == 1


@pytestmark_db
def test_xlsx_upload_is_imported(org_a):
    content = _xlsx(
        [
            ["Code", "Name", "Email", "Mobile"],
            ["X1", "Asha Verma", "asha@example.com", 9000000001],
            ["X2", "Ravi Kumar", "ravi@example.com", 9000000002.0],
        ]
    )
    client = _signed_in(org_a)
    _upload(client, "people.xlsx", content)
    job = _latest_job(org_a)
    assert job.summary["create"] == 2
    client.post(f"{_job_url(job.pk)}confirm/")
    assert _codes(org_a)["X2"].mobile == "+919000000002"


@pytestmark_db
def test_the_write_is_one_transaction_with_a_fixed_number_of_queries(org_a, monkeypatch):
    rows = "".join(f"T{i},Person {i},p{i}@example.com,9{i:09d}\n" for i in range(1, 301))
    content = ("code,name,email,mobile\n" + rows).encode()
    with schema_context(org_a.schema_name):
        job = imports.import_job_create(filename="many.csv", content=content)
        assert job.summary["create"] == 300
        calls = 0
        real_encrypt = imports.encrypt

        def failing_encrypt(value: str) -> str:
            nonlocal calls
            calls += 1
            if calls == 250:
                raise RuntimeError("disk on fire")
            return real_encrypt(value)

        monkeypatch.setattr(imports, "encrypt", failing_encrypt)
        assert imports.import_job_confirm(job=job)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED
        assert "nothing was written" in job.failure
        assert not Employee.objects.filter(code__startswith="T").exists()
        assert not AuditEvent.objects.filter(action="employees.imported").exists()

        monkeypatch.setattr(imports, "encrypt", real_encrypt)
        job = imports.import_job_create(filename="many.csv", content=content)
        with CaptureQueriesContext(connection) as few:
            imports.import_job_confirm(job=job)
        assert Employee.objects.filter(code__startswith="T").count() == 300
    small = len(few.captured_queries)
    rows = "".join(f"U{i},Person {i},u{i}@example.com,9{i:09d}\n" for i in range(1, 901))
    with schema_context(org_a.schema_name):
        job = imports.import_job_create(
            filename="more.csv", content=("code,name,email,mobile\n" + rows).encode()
        )
        with CaptureQueriesContext(connection) as many:
            imports.import_job_confirm(job=job)
    assert len(many.captured_queries) == small


@pytestmark_db
def test_cancelled_preview_writes_nothing(org_a):
    client = _signed_in(org_a)
    _upload(client, "people.csv", b"code,name,email\nC1,Asha,a@example.com\n")
    job = _latest_job(org_a)
    response = client.post(f"{_job_url(job.pk)}cancel/")
    assert response.status_code == 302
    client.post(f"{_job_url(job.pk)}confirm/")
    assert _latest_job(org_a).status == ImportJob.Status.CANCELLED
    assert "C1" not in _codes(org_a)


@pytestmark_db
def test_large_file_goes_to_the_background_and_the_page_polls(org_a, settings):
    settings.IMPORT_ASYNC_ROWS = 3
    rows = "".join(f"B{i},Person {i},b{i}@example.com\n" for i in range(10))
    client = _signed_in(org_a)
    # Inside a test transaction the task is never sent (on_commit); the page shows progress.
    response = _upload(client, "big.csv", ("code,name,email\n" + rows).encode())
    job = _latest_job(org_a)
    assert job.status == ImportJob.Status.UPLOADED
    page = client.get(response["Location"]).content.decode()
    assert "hx-get" in page and "<progress" in page
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="import-job"')


@pytestmark_db
def test_viewers_cannot_import(org_a):
    email = "viewer@alpha.example"
    with schema_context(org_a.schema_name):
        staff_user_create(email=email, full_name="Viewer", password="irrelevant-pass-42", role=Role.VIEWER)
    client = _signed_in(org_a, email)
    assert client.get(UPLOAD).status_code == 403
    assert _upload(client, "people.csv", b"code,name,email\nV1,Asha,a@example.com\n").status_code == 403


# --- two organizations ------------------------------------------------------------------------


@pytestmark_db
def test_another_organizations_import_is_not_found(org_a, org_b):
    with schema_context(org_b.schema_name):
        job_b = imports.import_job_create(
            filename="b.csv", content=b"code,name,email\nE9,Bina,b@example.com\n"
        )
    client = _signed_in(org_a)
    assert client.get(_job_url(job_b.pk)).status_code == 404
    assert client.post(f"{_job_url(job_b.pk)}confirm/").status_code == 404
    assert client.post(f"{_job_url(job_b.pk)}cancel/").status_code == 404
    assert client.get(_job_url(987654)).status_code == 404
    with schema_context(org_b.schema_name):
        job_b.refresh_from_db()
        assert job_b.status == ImportJob.Status.VALIDATED
        assert not Employee.objects.filter(code="E9").exists()


@pytestmark_db
def test_import_into_one_organization_never_touches_the_other(org_a, org_b):
    with schema_context(org_b.schema_name):
        employee_create(code="S1", full_name="Bravo Person", email="same@example.com")
    client = _signed_in(org_a)
    _upload(
        client, "people.csv", b"code,name,email\nS1,Alpha Person,alpha@example.com\nS2,New,n@example.com\n"
    )
    job = _latest_job(org_a)
    assert (job.summary["create"], job.summary["update"]) == (2, 0)
    client.post(f"{_job_url(job.pk)}confirm/")
    assert set(_codes(org_a)) >= {"S1", "S2"}
    bravo = _codes(org_b)
    assert set(bravo) == {"S1"} and bravo["S1"].full_name == "Bravo Person"
    with schema_context(org_b.schema_name):
        assert not ImportJob.objects.exists()
        assert not AuditEvent.objects.filter(action="employees.imported").exists()


# --- a real worker ------------------------------------------------------------------------------


def _wait_for(org: OrgFixture, job_id: int, status: str, worker, timeout: float = 60) -> ImportJob:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    seen: set[int] = set()
    while True:
        with schema_context(org.schema_name):
            job = ImportJob.objects.get(pk=job_id)
        seen.add(job.processed_rows)
        if job.status == status:
            return job
        assert job.status != ImportJob.Status.FAILED, job.failure
        assert time.monotonic() < deadline, f"job is {job.status}; worker log ends:\n{worker.log()[-3000:]}"
        time.sleep(0.1)


@pytest.mark.worker
def test_large_file_is_checked_and_imported_by_the_worker(
    celery_worker_process, committed_db, org_a, settings
):
    settings.IMPORT_ASYNC_ROWS = 100
    prefix = f"W{uuid.uuid4().hex[:6]}-"
    rows = "".join(f"{prefix}{i},Person {i},w{i}@example.com,9{i:09d}\n" for i in range(1, 5001))
    content = ("code,name,email,mobile\n" + rows + f"{prefix}bad,Bad,bad@,\n").encode()
    client = _signed_in(org_a)
    job_id = None
    try:
        response = _upload(client, "large.csv", content)
        assert response.status_code == 302
        job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])

        job = _wait_for(org_a, job_id, ImportJob.Status.VALIDATED, celery_worker_process)
        assert job.total_rows == 5001 and job.processed_rows == 5001
        assert (job.summary["create"], job.summary["error"]) == (5000, 1)
        with schema_context(org_a.schema_name):
            assert not Employee.objects.filter(code__startswith=prefix).exists()
        # The page survives a reload: it is the job's own address.
        assert "Will be added" in client.get(response["Location"]).content.decode()

        client.post(f"{_job_url(job_id)}confirm/")
        job = _wait_for(org_a, job_id, ImportJob.Status.DONE, celery_worker_process)
        assert job.summary["create"] == 5000
        with schema_context(org_a.schema_name):
            assert Employee.objects.filter(code__startswith=prefix).count() == 5000
            assert Employee.objects.get(code=f"{prefix}42").mobile == "+919000000042"
            event = AuditEvent.objects.filter(action="employees.imported", data__import_job_id=job_id).get()
            assert event.data["created"] == 5000 and event.actor_label == org_a.owner_email
        assert "Imported" in client.get(response["Location"]).content.decode()
    finally:
        with schema_context(org_a.schema_name):
            Employee.objects.filter(code__startswith=prefix).delete()
            if job_id is not None:
                ImportJob.objects.filter(pk=job_id).delete()
            client.logout()


@pytestmark_db
def test_progress_while_writing_comes_from_the_cache(org_a):
    from django.core.cache import cache

    with schema_context(org_a.schema_name):
        job = ImportJob.objects.create(
            filename="x.csv", content=b"", status=ImportJob.Status.IMPORTING, total_rows=4000
        )
        cache.set(imports._progress_key(job.pk), 2000)
        try:
            assert imports.import_job_progress(job) == 2000
            page = _signed_in(org_a).get(_job_url(job.pk), HTTP_HX_REQUEST="true").content.decode()
        finally:
            cache.delete(imports._progress_key(job.pk))
    assert "2000 of 4000 rows" in page and 'value="50"' in page


@pytestmark_db
def test_previews_nobody_confirmed_expire_with_their_files(org_a):
    from datetime import timedelta

    from django.utils import timezone

    from verification.tasks import import_jobs_expire_task

    with schema_context(org_a.schema_name):
        old = imports.import_job_create(
            filename="old.csv", content=b"code,name,email\nO1,Asha,a@example.com\n"
        )
        new = imports.import_job_create(
            filename="new.csv", content=b"code,name,email\nO2,Bina,b@example.com\n"
        )
        lost = imports.import_job_create(filename="l.csv", content=b"code,name,email\nO3,C,c@example.com\n")
        ImportJob.objects.filter(pk=lost.pk).update(status=ImportJob.Status.IMPORTING)
        day_ago = timezone.now() - timedelta(hours=25)
        ImportJob.objects.filter(pk__in=[old.pk, lost.pk]).update(created_at=day_ago)

        assert import_jobs_expire_task.apply().get() == 2
        lost.refresh_from_db()
        assert (lost.status, bytes(lost.content)) == (ImportJob.Status.FAILED, b"")
        assert "interrupted" in lost.failure

        old.refresh_from_db()
        new.refresh_from_db()
    assert (old.status, bytes(old.content)) == (ImportJob.Status.CANCELLED, b"")
    assert new.status == ImportJob.Status.VALIDATED and bytes(new.content)
