"""The import pages: upload, preview, confirm, cancel, polling; refusals that say why and store
nothing; roles; two organizations."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from portal.testing import signed_in
from tenants.members import Role
from tenants.tests.factories import StaffUserFactory
from verification.crypto import lookup_digest
from verification.employees.imports.checking import MAX_STORED_ERRORS
from verification.employees.imports.limits import ImportFileError
from verification.employees.imports.reading import (
    IGNORED_HEADER_CHARS,
    IGNORED_HEADERS_SHOWN,
    read_table,
)
from verification.employees.imports.selectors import PAGE_ERRORS
from verification.employees.imports.services import import_job_create
from verification.employees.imports.tests.helpers import (
    MB,
    UPLOAD,
    codes,
    form_errors,
    job_url,
    latest_job,
    measure,
    same_code_csv,
    shared_strings_bomb,
    sst_xlsx,
    upload,
    xlsx_of,
)
from verification.models import AuditEvent, Employee, ImportJob
from verification.tests.factories import EmployeeFactory

# --- pages: upload, preview, confirm ----------------------------------------------------------


@pytest.mark.django_db
def test_upload_page_lists_aliases_and_offers_the_template(org_a):
    client = signed_in(org_a)
    body = client.get(UPLOAD).content.decode()
    assert "emp id" in body and "e-mail" in body and "dept" in body and "office" in body
    response = client.get(f"{UPLOAD}template.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").startswith("Employee code,Full name,Email,Mobile")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("people.csv", b"", "The file is empty."),
        ("people.csv", b"Employee code;Name;Email\r\n", "no employees"),
        ("people.docx", b"PK\x03\x04", "Upload a CSV (.csv) or Excel (.xlsx) file."),
    ],
)
def test_upload_says_what_is_wrong_and_imports_nothing(org_a, name, content, message):
    before = len(codes(org_a))
    response = upload(signed_in(org_a), name, content)
    assert response.status_code == 400
    assert any(message in error for error in form_errors(response)), form_errors(response)
    assert len(codes(org_a)) == before


@pytest.mark.django_db
def test_upload_over_the_size_limit_is_refused_before_it_is_stored(org_a, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    content = b"code,name,email\n" + b"E1,Asha,a@example.com\n" * 50000
    response = upload(signed_in(org_a), "big.csv", content)
    assert response.status_code == 400
    assert "larger than 1 MB" in form_errors(response)[0]
    with schema_context(org_a.schema_name):
        assert not ImportJob.objects.exists()
    with schema_context(org_a.schema_name), pytest.raises(ImportFileError, match="larger than"):
        import_job_create(filename="big.csv", content=content)


@pytest.mark.django_db
def test_preview_counts_create_update_unchanged_and_writes_nothing_until_confirmed(org_a):
    with schema_context(org_a.schema_name):
        EmployeeFactory.create(
            code="E1", full_name="Asha Verma", email="asha@example.com", mobile="9000000001"
        )
        EmployeeFactory.create(code="E2", full_name="Bina Das", email="bina@example.com", department="Sales")
        EmployeeFactory.create(
            code="E3", full_name="Chetan Roy", email="chetan@example.com", mobile="9000000003"
        )
        EmployeeFactory.create(code="E4", full_name="Dev Rao", email="dev@example.com", location="Pune")
    content = (
        b"code,name,email,mobile,department,location\n"
        b"E1,Asha Verma,ASHA@example.com,+91 90000 00001,,\n"  # unchanged (same mobile, blank dept)
        b"E2,Bina Das,bina.das@example.com,,,\n"  # updated: email
        b"E3,Chetan Roy,chetan@example.com,9000000013,,\n"  # updated: mobile
        b"E4,Dev Rao,dev@example.com,,HR,\n"  # updated: department; location kept
        b"E5,Esha Nair,esha@example.com,9000000005,Ops,Delhi\n"  # created
        b"E6,Farah,farah@example,,,\n"  # error
    )
    client = signed_in(org_a)

    response = upload(client, "people.csv", content)

    job = latest_job(org_a)
    assert response.status_code == 302 and response["Location"] == job_url(job.pk)
    assert job.status == ImportJob.Status.VALIDATED
    assert job.summary["create"] == 1
    assert job.summary["update"] == 3
    assert job.summary["unchanged"] == 1
    assert job.summary["error"] == 1
    assert job.errors == [
        {"line": 7, "column": "email", "message": "Not a valid e-mail address.", "value": "farah@example"}
    ]
    page = client.get(job_url(job.pk)).content.decode()
    assert "Will be added" in page and "Not a valid e-mail address." in page
    assert f'action="/employees/import/{job.pk}/confirm/"' in page
    # Nothing written yet.
    before = codes(org_a)
    assert "E5" not in before and before["E2"].email == "bina@example.com"
    with schema_context(org_a.schema_name):
        assert not AuditEvent.objects.filter(action="employees.imported").exists()

    response = client.post(f"{job_url(job.pk)}confirm/")

    assert response.status_code == 302
    job = latest_job(org_a)
    assert job.status == ImportJob.Status.DONE
    assert bytes(job.content) == b""  # the file is not kept
    after = codes(org_a)
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
    client.post(f"{job_url(job.pk)}confirm/")
    with schema_context(org_a.schema_name):
        assert AuditEvent.objects.filter(action="employees.imported").count() == 1


@pytest.mark.django_db
def test_xlsx_upload_is_imported(org_a):
    content = xlsx_of(
        [
            ["Code", "Name", "Email", "Mobile"],
            ["X1", "Asha Verma", "asha@example.com", 9000000001],
            ["X2", "Ravi Kumar", "ravi@example.com", 9000000002.0],
        ]
    )
    client = signed_in(org_a)
    upload(client, "people.xlsx", content)
    job = latest_job(org_a)
    assert job.summary["create"] == 2
    client.post(f"{job_url(job.pk)}confirm/")
    assert codes(org_a)["X2"].mobile == "+919000000002"


@pytest.mark.django_db
def test_cancelled_preview_writes_nothing(org_a):
    client = signed_in(org_a)
    upload(client, "people.csv", b"code,name,email\nC1,Asha,a@example.com\n")
    job = latest_job(org_a)
    response = client.post(f"{job_url(job.pk)}cancel/")
    assert response.status_code == 302
    client.post(f"{job_url(job.pk)}confirm/")
    assert latest_job(org_a).status == ImportJob.Status.CANCELLED
    assert "C1" not in codes(org_a)


@pytest.mark.django_db
def test_large_file_goes_to_the_background_and_the_page_polls(org_a, settings):
    settings.IMPORT_ASYNC_ROWS = 3
    rows = "".join(f"B{i},Person {i},b{i}@example.com\n" for i in range(10))
    client = signed_in(org_a)
    # Inside a test transaction the task is never sent (on_commit); the page shows progress.
    response = upload(client, "big.csv", ("code,name,email\n" + rows).encode())
    job = latest_job(org_a)
    assert job.status == ImportJob.Status.UPLOADED
    page = client.get(response["Location"]).content.decode()
    assert "hx-get" in page and "<progress" in page
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="import-job"')


@pytest.mark.django_db
def test_viewers_cannot_import(org_a):
    email = "viewer@alpha.example"
    with schema_context(org_a.schema_name):
        StaffUserFactory.create(email=email, full_name="Viewer", role=Role.VIEWER)
    client = signed_in(org_a, email)
    assert client.get(UPLOAD).status_code == 403
    assert upload(client, "people.csv", b"code,name,email\nV1,Asha,a@example.com\n").status_code == 403


# --- two organizations ------------------------------------------------------------------------


@pytest.mark.django_db
def test_another_organizations_import_is_not_found(org_a, org_b):
    with schema_context(org_b.schema_name):
        job_b = import_job_create(filename="b.csv", content=b"code,name,email\nE9,Bina,b@example.com\n")
    client = signed_in(org_a)
    assert client.get(job_url(job_b.pk)).status_code == 404
    assert client.post(f"{job_url(job_b.pk)}confirm/").status_code == 404
    assert client.post(f"{job_url(job_b.pk)}cancel/").status_code == 404
    assert client.get(job_url(987654)).status_code == 404
    with schema_context(org_b.schema_name):
        job_b.refresh_from_db()
        assert job_b.status == ImportJob.Status.VALIDATED
        assert not Employee.objects.filter(code="E9").exists()


@pytest.mark.django_db
def test_import_into_one_organization_never_touches_the_other(org_a, org_b):
    with schema_context(org_b.schema_name):
        EmployeeFactory.create(code="S1", full_name="Bravo Person", email="same@example.com")
    client = signed_in(org_a)
    upload(
        client, "people.csv", b"code,name,email\nS1,Alpha Person,alpha@example.com\nS2,New,n@example.com\n"
    )
    job = latest_job(org_a)
    assert (job.summary["create"], job.summary["update"]) == (2, 0)
    client.post(f"{job_url(job.pk)}confirm/")
    assert set(codes(org_a)) >= {"S1", "S2"}
    bravo = codes(org_b)
    assert set(bravo) == {"S1"} and bravo["S1"].full_name == "Bravo Person"
    with schema_context(org_b.schema_name):
        assert not ImportJob.objects.exists()
        assert not AuditEvent.objects.filter(action="employees.imported").exists()


# --- hostile files (issue 11): bounded work, clear refusals, no job left running -------------


@pytest.mark.django_db
def test_a_shared_strings_bomb_is_refused_at_upload_in_bounded_time_and_memory(org_a):
    bomb = shared_strings_bomb()
    assert len(bomb) < 400_000  # small on the wire: it is the expansion that hurts
    client = signed_in(org_a)

    with measure() as cost:
        response = upload(client, "bomb.xlsx", bomb)

    assert response.status_code == 400
    assert "too large to read" in form_errors(response)[0]
    with schema_context(org_a.schema_name):
        assert not ImportJob.objects.exists()  # refused before anything is stored
    # Before: 25 s and +368 MB just to open it (and it was opened twice).
    assert cost.peak_bytes < 16 * MB, cost.peak_bytes
    assert cost.rss_growth < 48 * MB, cost.rss_growth
    assert cost.seconds < 15, cost.seconds


@pytest.mark.django_db
def test_shared_strings_past_the_cap_are_counted_and_refused(org_a, settings):
    settings.IMPORT_MAX_SHARED_STRINGS = 1000
    rows = [["code", "name", "email"]] + [[f"E{i}", f"Person {i}", f"p{i}@example.com"] for i in range(400)]
    content = sst_xlsx(rows)  # 1,203 distinct texts
    response = upload(signed_in(org_a), "people.xlsx", content)
    assert response.status_code == 400
    assert "more than 1,000 different texts" in form_errors(response)[0]
    settings.IMPORT_MAX_SHARED_STRINGS = 2000
    assert [r.values["email"] for r in read_table("people.xlsx", content).rows][-1] == "p399@example.com"
    assert upload(signed_in(org_a), "people.xlsx", content).status_code == 302


@pytest.mark.django_db
def test_a_csv_with_a_million_columns_is_refused_before_the_row_is_built(org_a):
    header = ",".join(f"c{i}" for i in range(1_000_000))
    content = f"code,name,email,{header}\nE1,Asha,a@example.com\n".encode()
    assert len(content) < 10 * MB
    client = signed_in(org_a)

    with measure() as cost:
        response = upload(client, "wide.csv", content)

    assert response.status_code == 400
    assert "Line 1 has more than 100 columns" in form_errors(response)[0]
    job = latest_job(org_a)
    assert (job.status, bytes(job.content)) == (ImportJob.Status.FAILED, b"")
    # Before: accepted, +200 MB, a job page of 8.9 MB listing every ignored column. Now the
    # request costs what any 8 MB upload does (multipart, stored encrypted: about 98 MB here).
    assert cost.peak_bytes < 128 * MB, cost.peak_bytes
    assert cost.seconds < 15, cost.seconds
    assert len(client.get(job_url(job.pk)).content) < 50_000


@pytest.mark.django_db
def test_a_later_line_of_a_million_fields_is_refused_too(org_a):
    content = b"code,name,email\nE1,Asha,a@example.com\nE2,Bina,b@example.com" + b"," * 2_000_000 + b"\n"
    client = signed_in(org_a)
    with measure() as cost:
        response = upload(client, "wide.csv", content)
    assert response.status_code == 400
    assert "Line 3 has more than 100 columns" in form_errors(response)[0]
    assert cost.peak_bytes < 40 * MB, cost.peak_bytes


@pytest.mark.django_db
def test_a_duplicate_code_file_gives_a_bounded_preview_page_and_an_error_file(org_a, settings):
    settings.IMPORT_ASYNC_ROWS = 10_000  # checked inside this request
    client = signed_in(org_a)
    with measure() as cost:
        response = upload(client, "same.csv", same_code_csv(4000))
    assert response.status_code == 302
    job = latest_job(org_a)
    assert job.status == ImportJob.Status.VALIDATED
    assert (job.summary["create"], job.summary["error"], job.summary["errors_total"]) == (0, 4000, 4000)
    assert len(job.errors) == MAX_STORED_ERRORS
    assert len(json.dumps(job.errors)) < 150_000  # before: 1,000 messages of 4,000 line numbers each
    assert cost.peak_bytes < 32 * MB, cost.peak_bytes

    page = client.get(job_url(job.pk)).content.decode()
    assert len(page) < 60_000
    assert page.count("<tr><td data-label=") == PAGE_ERRORS
    assert "…and 3900 more errors." in page and "The error file lists the first 1000." in page
    assert f'href="{job_url(job.pk)}errors.csv"' in page

    download = client.get(f"{job_url(job.pk)}errors.csv")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert "no-store" in download["Cache-Control"] and "private" in download["Cache-Control"]
    lines = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert lines[0] == ["Line", "Column", "Value", "Problem"]
    assert len(lines) == 1 + MAX_STORED_ERRORS
    assert lines[1][:3] == ["2", "Employee code", "E1"] and lines[1][3].startswith(
        "Employee code E1 is on 4,000 lines"
    )
    assert [int(line[0]) for line in lines[1:]] == list(range(2, 2 + MAX_STORED_ERRORS))


@pytest.mark.django_db
def test_ignored_columns_are_capped_on_the_preview(org_a):
    extra = ",".join(f"note {i} " + "x" * 100 for i in range(60))
    content = f"code,name,email,{extra}\nE1,Asha,a@example.com\n".encode()
    client = signed_in(org_a)
    assert upload(client, "notes.csv", content).status_code == 302
    job = latest_job(org_a)
    assert job.status == ImportJob.Status.MAPPING
    answers = {f"column_{i}": "ignore" for i in range(60)}
    assert client.post(f"{job_url(job.pk)}columns/", answers).status_code == 302
    job = latest_job(org_a)
    assert job.status == ImportJob.Status.VALIDATED
    assert job.summary["ignored_columns_total"] == 60
    assert len(job.summary["ignored_columns"]) == IGNORED_HEADERS_SHOWN
    assert all(len(name) <= IGNORED_HEADER_CHARS + 1 for name in job.summary["ignored_columns"])
    assert "and 40 more" in client.get(job_url(job.pk)).content.decode()
