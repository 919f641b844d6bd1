"""Writing an import: one transaction, a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from verification.employees.imports import writing as import_writing
from verification.employees.imports.services import import_job_confirm, import_job_create
from verification.models import AuditEvent, Employee, ImportJob


@pytest.mark.django_db
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


@pytest.mark.django_db
def test_rows_without_e_mail_are_imported_and_an_empty_cell_keeps_the_address(org_a):
    with schema_context(org_a.schema_name):
        job = import_job_create(
            filename="floor.csv",
            content=(
                b"code,name,email,mobile\nW1,Ramesh Yadav,,9000000001\nW2,Sunita Devi,sunita@example.com,\n"
            ),
        )
        assert job.summary["create"] == 2
        assert import_job_confirm(job=job)
        ramesh = Employee.objects.get(code="W1")
        assert (ramesh.email, ramesh.mobile_last4) == ("", "0001")
        assert ramesh.invitation_channel == "sms"
        # An update whose e-mail cell is empty leaves the address on file.
        again = import_job_create(
            filename="floor2.csv", content=b"code,name,email,mobile\nW2,Sunita Devi,,9000000002\n"
        )
        assert again.summary["update"] == 1
        assert import_job_confirm(job=again)
        sunita = Employee.objects.get(code="W2")
        assert (sunita.email, sunita.mobile_last4) == ("sunita@example.com", "0002")
