"""Import jobs: the template file, the stored file (encrypted, dropped when no longer needed,
across key rotation), and jobs that fail cleanly."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django_tenants.utils import schema_context

from portal.testing import signed_in
from verification.crypto import decrypt_bytes, key_from_secret
from verification.employees.imports import services as import_services
from verification.employees.imports.checking import check_rows
from verification.employees.imports.columns import COLUMN_ALIASES
from verification.employees.imports.reading import read_table
from verification.employees.imports.services import import_job_confirm, template_csv
from verification.employees.imports.tests.helpers import (
    PEOPLE,
    WORKBOOK_EMPTY_SHEETS,
    codes,
    form_errors,
    job_url,
    latest_job,
    raw_content,
    rezip,
    upload,
    xlsx_of,
)
from verification.models import ImportJob


def test_template_file_reads_back_as_one_valid_row():
    table = read_table("template.csv", template_csv())
    checked = check_rows(table.rows)
    assert checked.errors == [] and len(checked.rows) == 1
    assert set(table.columns) == set(COLUMN_ALIASES)


@pytest.mark.django_db
def test_a_workbook_without_sheets_fails_with_a_message_and_drops_the_file(org_a):
    base = xlsx_of([["code", "name", "email"], ["E1", "Asha", "a@example.com"]])
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        workbook = archive.read("xl/workbook.xml")
    content = rezip(
        base, xl__workbook_dot_xml=re.sub(rb"<sheets>.*</sheets>", WORKBOOK_EMPTY_SHEETS, workbook)
    )
    client = signed_in(org_a)

    response = upload(client, "nosheet.xlsx", content)  # before: IndexError, HTTP 500

    assert response.status_code == 400
    assert "no worksheet" in form_errors(response)[0]
    job = latest_job(org_a)
    assert (job.status, bytes(job.content)) == (ImportJob.Status.FAILED, b"")
    assert job.finished_at is not None


@pytest.mark.django_db
def test_an_unforeseen_error_while_checking_fails_the_job_and_drops_the_file(org_a, monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug nobody foresaw")

    client = signed_in(org_a)
    monkeypatch.setattr(import_services, "check_rows", broken)
    response = upload(client, "people.csv", b"code,name,email\nE1,Asha,a@example.com\n")
    assert response.status_code == 400
    assert "could not be checked" in form_errors(response)[0]
    job = latest_job(org_a)
    assert (job.status, bytes(job.content)) == (ImportJob.Status.FAILED, b"")

    monkeypatch.undo()
    upload(client, "people.csv", b"code,name,email\nE2,Bina,b@example.com\n")
    job = latest_job(org_a)
    assert job.status == ImportJob.Status.VALIDATED
    monkeypatch.setattr(import_services, "read_table", broken)
    client.post(f"{job_url(job.pk)}confirm/")
    job = latest_job(org_a)
    assert (job.status, bytes(job.content)) == (ImportJob.Status.FAILED, b"")
    assert "could not be checked" in job.failure
    assert "E2" not in codes(org_a)


@pytest.mark.django_db
def test_the_stored_file_is_encrypted_and_dropped_at_done_cancel_and_failure(org_a):
    client = signed_in(org_a)
    upload(client, "people.csv", PEOPLE)
    job = latest_job(org_a)
    raw = raw_content(org_a, job.pk)
    assert b"9000000001" not in raw and b"Asha" not in raw and b"code,name" not in raw
    assert decrypt_bytes(raw) == PEOPLE and bytes(job.content) == PEOPLE
    client.post(f"{job_url(job.pk)}confirm/")
    assert latest_job(org_a).status == ImportJob.Status.DONE and raw_content(org_a, job.pk) == b""

    upload(client, "people.csv", PEOPLE)
    job = latest_job(org_a)
    client.post(f"{job_url(job.pk)}cancel/")
    assert latest_job(org_a).status == ImportJob.Status.CANCELLED and raw_content(org_a, job.pk) == b""

    upload(client, "bad.csv", b"code,name,email\n")
    job = latest_job(org_a)
    assert job.status == ImportJob.Status.FAILED and raw_content(org_a, job.pk) == b""


@pytest.mark.django_db
def test_stored_files_survive_key_rotation_and_a_lost_key_fails_the_job_cleanly(org_a, settings):
    old, new = key_from_secret("import-old"), key_from_secret("import-new")
    settings.FIELD_ENCRYPTION_KEYS = [old]
    client = signed_in(org_a)
    upload(client, "people.csv", PEOPLE)
    first = latest_job(org_a)
    upload(client, "people.csv", PEOPLE.replace(b"K", b"L"))
    second = latest_job(org_a)

    # (Through the service: the session's own lookups follow the newest key.)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]  # rotated: the old key still decrypts
    with schema_context(org_a.schema_name):
        assert import_job_confirm(job=first)
        first.refresh_from_db()
    assert first.status == ImportJob.Status.DONE and "K2" in codes(org_a)

    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key dropped too early
    with schema_context(org_a.schema_name):
        assert import_job_confirm(job=second)
        second.refresh_from_db()
    assert second.status == ImportJob.Status.FAILED and "Upload it again" in second.failure
    assert raw_content(org_a, second.pk) == b"" and "L1" not in codes(org_a)
