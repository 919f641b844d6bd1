"""Bulk import of employees: reading files, checking rows, the preview, confirming, the
worker path for large files, and two organizations."""

from __future__ import annotations

import csv
import gc
import importlib
import io
import json
import re
import time
import tracemalloc
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import openpyxl
import psutil
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from conftest import OrgFixture, signed_in
from tenants.members import Role, member_create
from verification.crypto import decrypt_bytes, key_from_secret, lookup_digest
from verification.employees.imports import services as import_services
from verification.employees.imports import writing as import_writing
from verification.employees.imports.checking import MAX_STORED_ERRORS, check_rows
from verification.employees.imports.columns import COLUMN_ALIASES
from verification.employees.imports.limits import ImportFileError
from verification.employees.imports.reading import (
    IGNORED_HEADER_CHARS,
    IGNORED_HEADERS_SHOWN,
    estimate_rows,
    read_table,
)
from verification.employees.imports.selectors import PAGE_ERRORS, import_job_progress, progress_key
from verification.employees.imports.services import import_job_confirm, import_job_create, template_csv
from verification.employees.services import employee_create
from verification.models import AuditEvent, Employee, ImportJob

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


def _xlsx(rows: Sequence[Sequence[object]]) -> bytes:
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
    table = read_table("template.csv", template_csv())
    checked = check_rows(table.rows)
    assert checked.errors == [] and len(checked.rows) == 1
    assert set(table.columns) == set(COLUMN_ALIASES)


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
        import_job_create(filename="big.csv", content=content)


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
        job = import_job_create(filename="many.csv", content=content)
        assert job.summary["create"] == 300
        calls = 0
        real_encrypt = import_writing.encrypt

        def failing_encrypt(value: str) -> str:
            nonlocal calls
            calls += 1
            if calls == 250:
                raise RuntimeError("disk on fire")
            return real_encrypt(value)

        monkeypatch.setattr(import_writing, "encrypt", failing_encrypt)
        assert import_job_confirm(job=job)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED
        assert "nothing was written" in job.failure
        assert not Employee.objects.filter(code__startswith="T").exists()
        assert not AuditEvent.objects.filter(action="employees.imported").exists()

        monkeypatch.setattr(import_writing, "encrypt", real_encrypt)
        job = import_job_create(filename="many.csv", content=content)
        with CaptureQueriesContext(connection) as few:
            import_job_confirm(job=job)
        assert Employee.objects.filter(code__startswith="T").count() == 300
    small = len(few.captured_queries)
    rows = "".join(f"U{i},Person {i},u{i}@example.com,9{i:09d}\n" for i in range(1, 901))
    with schema_context(org_a.schema_name):
        job = import_job_create(filename="more.csv", content=("code,name,email,mobile\n" + rows).encode())
        with CaptureQueriesContext(connection) as many:
            import_job_confirm(job=job)
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
        member_create(email=email, full_name="Viewer", password="irrelevant-pass-42", role=Role.VIEWER)
    client = _signed_in(org_a, email)
    assert client.get(UPLOAD).status_code == 403
    assert _upload(client, "people.csv", b"code,name,email\nV1,Asha,a@example.com\n").status_code == 403


# --- two organizations ------------------------------------------------------------------------


@pytestmark_db
def test_another_organizations_import_is_not_found(org_a, org_b):
    with schema_context(org_b.schema_name):
        job_b = import_job_create(filename="b.csv", content=b"code,name,email\nE9,Bina,b@example.com\n")
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
        cache.set(progress_key(job.pk), 2000)
        try:
            assert import_job_progress(job) == 2000
            page = _signed_in(org_a).get(_job_url(job.pk), HTTP_HX_REQUEST="true").content.decode()
        finally:
            cache.delete(progress_key(job.pk))
    assert "2000 of 4000 rows" in page and 'value="50"' in page


@pytestmark_db
def test_previews_nobody_confirmed_expire_with_their_files(org_a):
    from datetime import timedelta

    from django.utils import timezone

    from verification.employees.imports.tasks import import_jobs_expire_task

    with schema_context(org_a.schema_name):
        old = import_job_create(filename="old.csv", content=b"code,name,email\nO1,Asha,a@example.com\n")
        new = import_job_create(filename="new.csv", content=b"code,name,email\nO2,Bina,b@example.com\n")
        lost = import_job_create(filename="l.csv", content=b"code,name,email\nO3,C,c@example.com\n")
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


# --- hostile files (issue 11): bounded work, clear refusals, no job left running -------------

_WORKBOOK_EMPTY_SHEETS = b"<sheets/>"


def _rezip(content: bytes, **parts: bytes | None) -> bytes:
    """``content`` (a workbook) with some parts replaced (None drops one); keys use ``__``
    for ``/`` and ``_dot_`` for ``.``, e.g. ``xl__sharedStrings_dot_xml``."""
    names = {key.replace("__", "/").replace("_dot_", "."): value for key, value in parts.items()}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename in names:
                replacement = names[info.filename]
                if replacement is not None:
                    target.writestr(info.filename, replacement)
            else:
                target.writestr(info.filename, source.read(info))
    return out.getvalue()


_SST_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _sst_xlsx(rows: list[list[str]], *, filler: int = 0) -> bytes:
    """A workbook whose cells are all shared strings (as Excel writes them), with ``filler``
    more entries in its shared-strings table (the pen test's 167 KB file had 4 million),
    streamed into the ZIP so the test never holds the table whole."""
    texts: dict[str, int] = {}
    sheet = [b'<worksheet xmlns="' + _MAIN_NS + b'"><sheetData>']
    for number, row in enumerate(rows, start=1):
        sheet.append(b'<row r="%d">' % number)
        for text in row:
            index = texts.setdefault(text, len(texts))
            sheet.append(b'<c t="s"><v>%d</v></c>' % index)
        sheet.append(b"</row>")
    sheet.append(b"</sheetData></worksheet>")
    base = _xlsx([["x"]])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + _SST_TYPE + b'"/></Types>',
                )
            elif info.filename == "xl/worksheets/sheet1.xml":
                data = b"".join(sheet)
            target.writestr(info.filename, data)
        with target.open("xl/sharedStrings.xml", "w") as part:
            part.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="' + _MAIN_NS + b'">')
            for text in texts:
                part.write(b"<si><t>" + text.encode() + b"</t></si>")
            chunk = b"<si><t>x</t></si>" * 100_000
            for _ in range(filler // 100_000):
                part.write(chunk)
            part.write(b"</sst>")
    return out.getvalue()


def _shared_strings_bomb() -> bytes:
    return _sst_xlsx([["code", "name", "email"], ["E1", "Asha", "a@example.com"]], filler=4_000_000)


class _Measured:
    peak_bytes = 0
    rss_growth = 0
    seconds = 0.0


@contextmanager
def _measure() -> Iterator[_Measured]:
    """Python allocation peak (tracemalloc), RSS growth and wall time of the block."""
    measured = _Measured()
    process = psutil.Process()
    gc.collect()
    rss = process.memory_info().rss
    tracemalloc.start()
    started = time.perf_counter()
    try:
        yield measured
    finally:
        measured.seconds = time.perf_counter() - started
        measured.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        measured.rss_growth = process.memory_info().rss - rss


MB = 1024 * 1024


@pytestmark_db
def test_a_shared_strings_bomb_is_refused_at_upload_in_bounded_time_and_memory(org_a):
    bomb = _shared_strings_bomb()
    assert len(bomb) < 400_000  # small on the wire: it is the expansion that hurts
    client = _signed_in(org_a)

    with _measure() as cost:
        response = _upload(client, "bomb.xlsx", bomb)

    assert response.status_code == 400
    assert "too large to read" in _form_errors(response)[0]
    with schema_context(org_a.schema_name):
        assert not ImportJob.objects.exists()  # refused before anything is stored
    # Before: 25 s and +368 MB just to open it (and it was opened twice).
    assert cost.peak_bytes < 16 * MB, cost.peak_bytes
    assert cost.rss_growth < 48 * MB, cost.rss_growth
    assert cost.seconds < 15, cost.seconds


@pytestmark_db
def test_shared_strings_past_the_cap_are_counted_and_refused(org_a, settings):
    settings.IMPORT_MAX_SHARED_STRINGS = 1000
    rows = [["code", "name", "email"]] + [[f"E{i}", f"Person {i}", f"p{i}@example.com"] for i in range(400)]
    content = _sst_xlsx(rows)  # 1,203 distinct texts
    response = _upload(_signed_in(org_a), "people.xlsx", content)
    assert response.status_code == 400
    assert "more than 1,000 different texts" in _form_errors(response)[0]
    settings.IMPORT_MAX_SHARED_STRINGS = 2000
    assert [r.values["email"] for r in read_table("people.xlsx", content).rows][-1] == "p399@example.com"
    assert _upload(_signed_in(org_a), "people.xlsx", content).status_code == 302


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        # A billion-laughs DTD in the sheet.
        (
            {
                "xl__worksheets__sheet1_dot_xml": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
            },
            "not a valid Excel workbook",
        ),
        # One part that expands a thousand times.
        ({"xl__styles_dot_xml": b"<styleSheet>" + b" " * (40 * MB) + b"</styleSheet>"}, "too large to read"),
        # A row of 20,000 cells: more than Excel's 16,384 columns.
        (
            {
                "xl__worksheets__sheet1_dot_xml": b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData><row r="1">'
                + b"<c/>" * 20_000
                + b"</row></sheetData></worksheet>"
            },
            "not a valid Excel workbook",
        ),
        # 300,000 elements outside any row.
        (
            {
                "xl__worksheets__sheet1_dot_xml": b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData/>'
                + b"".join(b'<x a="%d"/>' % i for i in range(300_000))
                + b"</worksheet>"
            },
            "too complex to read",
        ),
    ],
)
def test_workbooks_that_would_cost_too_much_are_refused_before_openpyxl_reads_them(parts, message):
    content = _rezip(_xlsx([["code", "name", "email"], ["E1", "Asha", "a@example.com"]]), **parts)
    with _measure() as cost, pytest.raises(ImportFileError) as raised:
        estimate_rows("people.xlsx", content)
    assert message in raised.value.message
    assert cost.peak_bytes < 16 * MB and cost.seconds < 10, (cost.peak_bytes, cost.seconds)
    with pytest.raises(ImportFileError, match=message):
        read_table("people.xlsx", content)


def test_a_zip_listing_thousands_of_parts_is_refused_before_zipfile_lists_them():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(5000):
            archive.writestr(f"x/{i}", b"")
    with pytest.raises(ImportFileError, match="too many parts"):
        estimate_rows("people.xlsx", out.getvalue())


def test_a_sheet_claiming_the_whole_grid_reads_only_its_filled_cells():
    people = [[f"E{i}", "Asha", f"a{i}@example.com"] for i in range(20_000)]
    content = _xlsx([["code", "name", "email"], *people])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    # openpyxl pads every row to the width a sheet claims: 16,384 cells a row here.
    sheet, claimed = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', sheet)
    assert claimed == 1
    content = _rezip(content, xl__worksheets__sheet1_dot_xml=sheet)
    started = time.perf_counter()
    table = read_table("people.xlsx", content)
    assert [row.values["code"] for row in table.rows[-2:]] == ["E19998", "E19999"]
    assert time.perf_counter() - started < 8  # before: 330 million cells converted


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_rows_columns_and_cells_past_the_caps_are_refused(settings, kind):
    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS, settings.IMPORT_MAX_CELLS = 5, 8, 40
    header = ["code", "name", "email"]

    def content(rows: Sequence[Sequence[object]]) -> bytes:
        if kind == "xlsx":
            return _xlsx(rows)
        return "".join(",".join(str(c) for c in row) + "\n" for row in rows).encode()

    people = [[f"E{i}", "P", f"p{i}@example.com"] for i in range(5)]
    assert len(read_table(f"ok.{kind}", content([header, *people])).rows) == 5
    with pytest.raises(ImportFileError, match="more than 5 employees"):
        read_table(f"rows.{kind}", content([header, *people, ["E9", "P", "p9@example.com"]]))
    with pytest.raises(ImportFileError, match="more than 8 columns"):
        read_table(f"cols.{kind}", content([[*header, *(f"x{i}" for i in range(6))], *people]))
    wide = [[*row, "d", "l", "n", "m", "o"] for row in people]  # 8 + 5 x 8 = 48 filled cells
    with pytest.raises(ImportFileError, match="more than 40 filled cells"):
        read_table(f"cells.{kind}", content([[*header, "dept", "city", "n1", "n2", "n3"], *wide]))


def test_a_csv_cell_longer_than_excel_allows_is_refused_with_its_line():
    content = b"code,name,email\nE1,Asha,a@example.com\nE2," + b"x" * 40_000 + b",b@example.com\n"
    with pytest.raises(ImportFileError, match="Line 3 has a cell longer than 32,767 characters"):
        read_table("people.csv", content)


@pytestmark_db
def test_a_csv_with_a_million_columns_is_refused_before_the_row_is_built(org_a):
    header = ",".join(f"c{i}" for i in range(1_000_000))
    content = f"code,name,email,{header}\nE1,Asha,a@example.com\n".encode()
    assert len(content) < 10 * MB
    client = _signed_in(org_a)

    with _measure() as cost:
        response = _upload(client, "wide.csv", content)

    assert response.status_code == 400
    assert "Line 1 has more than 100 columns" in _form_errors(response)[0]
    job = _latest_job(org_a)
    assert (job.status, bytes(job.content)) == (ImportJob.Status.FAILED, b"")
    # Before: accepted, +200 MB, a job page of 8.9 MB listing every ignored column. Now the
    # request costs what any 8 MB upload does (multipart, stored encrypted: about 98 MB here).
    assert cost.peak_bytes < 128 * MB, cost.peak_bytes
    assert cost.seconds < 15, cost.seconds
    assert len(client.get(_job_url(job.pk)).content) < 50_000


@pytestmark_db
def test_a_later_line_of_a_million_fields_is_refused_too(org_a):
    content = b"code,name,email\nE1,Asha,a@example.com\nE2,Bina,b@example.com" + b"," * 2_000_000 + b"\n"
    client = _signed_in(org_a)
    with _measure() as cost:
        response = _upload(client, "wide.csv", content)
    assert response.status_code == 400
    assert "Line 3 has more than 100 columns" in _form_errors(response)[0]
    assert cost.peak_bytes < 40 * MB, cost.peak_bytes


def _same_code_csv(rows: int) -> bytes:
    return ("code,name,email\n" + "".join(f"E1,Person {i},p{i}@example.com\n" for i in range(rows))).encode()


def test_a_code_on_many_lines_is_reported_once_for_the_group_in_linear_cost():
    with _measure() as cost:
        checked = check_rows(read_table("same.csv", _same_code_csv(20_000)).rows)
    assert checked.rows == [] and checked.error_rows == 20_000
    assert checked.errors.total == 20_000 and len(checked.errors) == MAX_STORED_ERRORS
    first, second = checked.errors[0], checked.errors[1]
    assert (first.line, first.column) == (2, "code")
    assert first.message == (
        "Employee code E1 is on 20,000 lines (this one and line(s) 3, 4, 5, 6, 7, …); "
        "none of them is imported."
    )
    assert (second.line, second.message) == (3, "Employee code E1 is on 20,000 lines; the first is line 2.")
    assert max(len(error.message) for error in checked.errors) < 150
    # Before: every message listed every other line (quadratic: gigabytes at this size).
    assert cost.peak_bytes < 48 * MB, cost.peak_bytes


@pytestmark_db
def test_a_duplicate_code_file_gives_a_bounded_preview_page_and_an_error_file(org_a, settings):
    settings.IMPORT_ASYNC_ROWS = 10_000  # checked inside this request
    client = _signed_in(org_a)
    with _measure() as cost:
        response = _upload(client, "same.csv", _same_code_csv(4000))
    assert response.status_code == 302
    job = _latest_job(org_a)
    assert job.status == ImportJob.Status.VALIDATED
    assert (job.summary["create"], job.summary["error"], job.summary["errors_total"]) == (0, 4000, 4000)
    assert len(job.errors) == MAX_STORED_ERRORS
    assert len(json.dumps(job.errors)) < 150_000  # before: 1,000 messages of 4,000 line numbers each
    assert cost.peak_bytes < 32 * MB, cost.peak_bytes

    page = client.get(_job_url(job.pk)).content.decode()
    assert len(page) < 60_000
    assert page.count("<tr><td>") == PAGE_ERRORS
    assert "…and 3900 more errors." in page and "The error file lists the first 1000." in page
    assert f'href="{_job_url(job.pk)}errors.csv"' in page

    download = client.get(f"{_job_url(job.pk)}errors.csv")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert "no-store" in download["Cache-Control"] and "private" in download["Cache-Control"]
    lines = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert lines[0] == ["Line", "Column", "Problem"]
    assert len(lines) == 1 + MAX_STORED_ERRORS
    assert lines[1][:2] == ["2", "Employee code"] and lines[1][2].startswith(
        "Employee code E1 is on 4,000 lines"
    )
    assert [int(line[0]) for line in lines[1:]] == list(range(2, 2 + MAX_STORED_ERRORS))


@pytestmark_db
def test_the_error_file_neutralises_formulas_and_404s_for_another_organization(org_a, org_b):
    with schema_context(org_a.schema_name):
        job = ImportJob.objects.create(
            filename="x.csv",
            status=ImportJob.Status.VALIDATED,
            errors=[{"line": 2, "column": "=cmd", "message": "@SUM(1+1)*cmd|' /C calc'!A0"}],
        )
    with schema_context(org_b.schema_name):
        job_b = ImportJob.objects.create(filename="b.csv", status=ImportJob.Status.VALIDATED, errors=[])
    client = _signed_in(org_a)
    rows = list(
        csv.reader(io.StringIO(client.get(f"{_job_url(job.pk)}errors.csv").content.decode("utf-8-sig")))
    )
    assert rows[1] == ["2", "'=cmd", "'@SUM(1+1)*cmd|' /C calc'!A0"]
    assert client.get(f"{_job_url(job_b.pk)}errors.csv").status_code == 404


@pytestmark_db
def test_ignored_columns_are_capped_on_the_preview(org_a):
    extra = ",".join(f"note {i} " + "x" * 100 for i in range(60))
    content = f"code,name,email,{extra}\nE1,Asha,a@example.com\n".encode()
    client = _signed_in(org_a)
    assert _upload(client, "notes.csv", content).status_code == 302
    job = _latest_job(org_a)
    assert job.summary["ignored_columns_total"] == 60
    assert len(job.summary["ignored_columns"]) == IGNORED_HEADERS_SHOWN
    assert all(len(name) <= IGNORED_HEADER_CHARS + 1 for name in job.summary["ignored_columns"])
    assert "and 40 more" in client.get(_job_url(job.pk)).content.decode()


@pytestmark_db
def test_a_workbook_without_sheets_fails_with_a_message_and_drops_the_file(org_a):
    base = _xlsx([["code", "name", "email"], ["E1", "Asha", "a@example.com"]])
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        workbook = archive.read("xl/workbook.xml")
    content = _rezip(
        base, xl__workbook_dot_xml=re.sub(rb"<sheets>.*</sheets>", _WORKBOOK_EMPTY_SHEETS, workbook)
    )
    client = _signed_in(org_a)

    response = _upload(client, "nosheet.xlsx", content)  # before: IndexError, HTTP 500

    assert response.status_code == 400
    assert "no worksheet" in _form_errors(response)[0]
    job = _latest_job(org_a)
    assert (job.status, bytes(job.content)) == (ImportJob.Status.FAILED, b"")
    assert job.finished_at is not None


@pytestmark_db
def test_an_unforeseen_error_while_checking_fails_the_job_and_drops_the_file(org_a, monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug nobody foresaw")

    client = _signed_in(org_a)
    monkeypatch.setattr(import_services, "check_rows", broken)
    response = _upload(client, "people.csv", b"code,name,email\nE1,Asha,a@example.com\n")
    assert response.status_code == 400
    assert "could not be checked" in _form_errors(response)[0]
    job = _latest_job(org_a)
    assert (job.status, bytes(job.content)) == (ImportJob.Status.FAILED, b"")

    monkeypatch.undo()
    _upload(client, "people.csv", b"code,name,email\nE2,Bina,b@example.com\n")
    job = _latest_job(org_a)
    assert job.status == ImportJob.Status.VALIDATED
    monkeypatch.setattr(import_services, "read_table", broken)
    client.post(f"{_job_url(job.pk)}confirm/")
    job = _latest_job(org_a)
    assert (job.status, bytes(job.content)) == (ImportJob.Status.FAILED, b"")
    assert "could not be checked" in job.failure
    assert "E2" not in _codes(org_a)


# --- the stored file: encrypted, dropped when no longer needed ---------------------------------


def _raw_content(org: OrgFixture, job_id: int) -> bytes:
    with schema_context(org.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT content FROM verification_importjob WHERE id = %s", [job_id])
        return bytes(cursor.fetchone()[0])


_PEOPLE = b"code,name,email,mobile\nK1,Asha,a@example.com,9000000001\nK2,Bina,b@example.com,9000000002\n"


@pytestmark_db
def test_the_stored_file_is_encrypted_and_dropped_at_done_cancel_and_failure(org_a):
    client = _signed_in(org_a)
    _upload(client, "people.csv", _PEOPLE)
    job = _latest_job(org_a)
    raw = _raw_content(org_a, job.pk)
    assert b"9000000001" not in raw and b"Asha" not in raw and b"code,name" not in raw
    assert decrypt_bytes(raw) == _PEOPLE and bytes(job.content) == _PEOPLE
    client.post(f"{_job_url(job.pk)}confirm/")
    assert _latest_job(org_a).status == ImportJob.Status.DONE and _raw_content(org_a, job.pk) == b""

    _upload(client, "people.csv", _PEOPLE)
    job = _latest_job(org_a)
    client.post(f"{_job_url(job.pk)}cancel/")
    assert _latest_job(org_a).status == ImportJob.Status.CANCELLED and _raw_content(org_a, job.pk) == b""

    _upload(client, "bad.csv", b"code,name,email\n")
    job = _latest_job(org_a)
    assert job.status == ImportJob.Status.FAILED and _raw_content(org_a, job.pk) == b""


@pytestmark_db
def test_stored_files_survive_key_rotation_and_a_lost_key_fails_the_job_cleanly(org_a, settings):
    old, new = key_from_secret("import-old"), key_from_secret("import-new")
    settings.FIELD_ENCRYPTION_KEYS = [old]
    client = _signed_in(org_a)
    _upload(client, "people.csv", _PEOPLE)
    first = _latest_job(org_a)
    _upload(client, "people.csv", _PEOPLE.replace(b"K", b"L"))
    second = _latest_job(org_a)

    # (Through the service: the session's own lookups follow the newest key.)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]  # rotated: the old key still decrypts
    with schema_context(org_a.schema_name):
        assert import_job_confirm(job=first)
        first.refresh_from_db()
    assert first.status == ImportJob.Status.DONE and "K2" in _codes(org_a)

    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key dropped too early
    with schema_context(org_a.schema_name):
        assert import_job_confirm(job=second)
        second.refresh_from_db()
    assert second.status == ImportJob.Status.FAILED and "Upload it again" in second.failure
    assert _raw_content(org_a, second.pk) == b"" and "L1" not in _codes(org_a)


@pytestmark_db
def test_migration_0007_encrypts_files_stored_before_it_and_back(org_a):
    from django.db.migrations.executor import MigrationExecutor

    migration = importlib.import_module("verification.migrations.0007_importjob_encrypted_content")
    with schema_context(org_a.schema_name):
        before = MigrationExecutor(connection).loader.project_state(
            ("verification", "0006_employee_last_invited_at")
        )
        job = ImportJob.objects.create(filename="old.csv", status=ImportJob.Status.VALIDATED)
        done = ImportJob.objects.create(filename="done.csv", status=ImportJob.Status.DONE)
        with connection.cursor() as cursor:  # as the code before the migration stored it
            cursor.execute("UPDATE verification_importjob SET content = %s WHERE id = %s", [_PEOPLE, job.pk])

        migration.encrypt_files(before.apps, None)

        assert decrypt_bytes(_raw_content(org_a, job.pk)) == _PEOPLE
        assert _raw_content(org_a, done.pk) == b""
        job.refresh_from_db()
        assert bytes(job.content) == _PEOPLE
        assert import_job_confirm(job=job)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.DONE and "K1" in _codes(org_a)

        other = ImportJob.objects.create(filename="o.csv", content=_PEOPLE)
        migration.decrypt_files(before.apps, None)
        assert _raw_content(org_a, other.pk) == _PEOPLE


# --- the worker path -----------------------------------------------------------------------------


def _worker_child(worker) -> psutil.Process:  # type: ignore[no-untyped-def]
    children = psutil.Process(worker.process.pid).children()
    assert len(children) == 1, children  # prefork, concurrency 1
    return children[0]


def _peak_since_reset(child: psutil.Process) -> int:
    with open(f"/proc/{child.pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.mark.worker
def test_hostile_files_reaching_the_worker_fail_or_pass_in_bounded_memory(
    celery_worker_process, committed_db, org_a
):
    """Files already stored (before this check existed, or sent straight to the worker) are
    checked by the worker in bounded memory, and every job ends: none is left checking."""
    from verification.employees.imports.tasks import import_job_validate_task

    base = _xlsx([["code", "name", "email"], ["E1", "Asha", "a@example.com"]])
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        workbook = archive.read("xl/workbook.xml")
    files = {
        "bomb.xlsx": (_shared_strings_bomb(), ImportJob.Status.FAILED, "too large to read"),
        "nosheet.xlsx": (
            _rezip(
                base, xl__workbook_dot_xml=re.sub(rb"<sheets>.*</sheets>", _WORKBOOK_EMPTY_SHEETS, workbook)
            ),
            ImportJob.Status.FAILED,
            "no worksheet",
        ),
        "wide.csv": (
            (
                "code,name,email," + ",".join(f"c{i}" for i in range(1_000_000)) + "\nE1,A,a@example.com\n"
            ).encode(),
            ImportJob.Status.FAILED,
            "more than 100 columns",
        ),
        "same.csv": (_same_code_csv(20_000), ImportJob.Status.VALIDATED, ""),
    }
    child = _worker_child(celery_worker_process)
    ids: list[int] = []
    try:
        for name, (content, status, failure) in files.items():
            with schema_context(org_a.schema_name):
                job = ImportJob.objects.create(filename=name, content=content)
                ids.append(job.pk)
            rss = child.memory_info().rss
            with open(f"/proc/{child.pid}/clear_refs", "w") as clear:
                clear.write("5")  # resets the peak (VmHWM) to the current RSS
            with schema_context(org_a.schema_name):
                import_job_validate_task.delay(job.pk)
            job = _wait_for_end(org_a, job.pk, celery_worker_process)
            assert job.status == status, (name, job.status, job.failure)
            assert failure in job.failure, (name, job.failure)
            if status == ImportJob.Status.FAILED:
                assert _raw_content(org_a, job.pk) == b""
            else:
                assert job.summary["errors_total"] == 20_000 and len(job.errors) == MAX_STORED_ERRORS
            growth = _peak_since_reset(child) - rss
            # Before: +368 MB for the bomb, +700 MB for the duplicate codes.
            assert growth < 96 * MB, (name, growth // MB)
    finally:
        with schema_context(org_a.schema_name):
            ImportJob.objects.filter(pk__in=ids).delete()


def _wait_for_end(org: OrgFixture, job_id: int, worker, timeout: float = 120) -> ImportJob:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        with schema_context(org.schema_name):
            job = ImportJob.objects.get(pk=job_id)
        if job.status in (ImportJob.Status.FAILED, ImportJob.Status.VALIDATED):
            return job
        assert time.monotonic() < deadline, f"job is {job.status}; worker log ends:\n{worker.log()[-3000:]}"
        time.sleep(0.1)
