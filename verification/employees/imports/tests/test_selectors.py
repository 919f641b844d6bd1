"""Reads of import jobs: progress while writing, the error file (formulas neutralised), and
another organization's job not found."""

from __future__ import annotations

import csv
import io

import pytest
from django_tenants.utils import schema_context

from portal.testing import signed_in
from verification.employees.imports.selectors import import_job_progress, progress_key
from verification.employees.imports.tests.helpers import job_url
from verification.models import ImportJob
from verification.tests.factories import ImportJobFactory


@pytest.mark.django_db
def test_progress_while_writing_comes_from_the_cache(org_a):
    from django.core.cache import cache

    with schema_context(org_a.schema_name):
        job = ImportJobFactory.create(
            filename="x.csv", content=b"", status=ImportJob.Status.IMPORTING, total_rows=4000
        )
        cache.set(progress_key(job.pk), 2000)
        try:
            assert import_job_progress(job) == 2000
            page = signed_in(org_a).get(job_url(job.pk), HTTP_HX_REQUEST="true").content.decode()
        finally:
            cache.delete(progress_key(job.pk))
    assert "2000 of 4000 rows" in page and 'value="50"' in page


@pytest.mark.django_db
def test_the_error_file_neutralises_formulas_and_404s_for_another_organization(org_a, org_b):
    with schema_context(org_a.schema_name):
        job = ImportJobFactory.create(
            filename="x.csv",
            status=ImportJob.Status.VALIDATED,
            errors=[{"line": 2, "column": "=cmd", "message": "@SUM(1+1)*cmd|' /C calc'!A0", "value": "=1+2"}],
        )
    with schema_context(org_b.schema_name):
        job_b = ImportJobFactory.create(filename="b.csv", status=ImportJob.Status.VALIDATED, errors=[])
    client = signed_in(org_a)
    rows = list(
        csv.reader(io.StringIO(client.get(f"{job_url(job.pk)}errors.csv").content.decode("utf-8-sig")))
    )
    assert rows[0] == ["Line", "Column", "Value", "Problem"]
    assert rows[1] == ["2", "'=cmd", "'=1+2", "'@SUM(1+1)*cmd|' /C calc'!A0"]
    assert client.get(f"{job_url(job_b.pk)}errors.csv").status_code == 404
