"""Migrations of the verification app that change stored data, forwards and back."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from verification.crypto import decrypt_bytes
from verification.employees.imports.services import import_job_confirm
from verification.employees.imports.tests.helpers import (
    PEOPLE,
    codes,
    raw_content,
)
from verification.models import ImportJob
from verification.tests.factories import ImportJobFactory


@pytest.mark.django_db
def test_migration_0007_encrypts_files_stored_before_it_and_back(org_a):
    from django.db.migrations.executor import MigrationExecutor

    migration = importlib.import_module("verification.migrations.0007_importjob_encrypted_content")
    with schema_context(org_a.schema_name):
        before = MigrationExecutor(connection).loader.project_state(
            ("verification", "0006_employee_last_invited_at")
        )
        job = ImportJobFactory.create(filename="old.csv", status=ImportJob.Status.VALIDATED)
        done = ImportJobFactory.create(filename="done.csv", status=ImportJob.Status.DONE)
        with connection.cursor() as cursor:  # as the code before the migration stored it
            cursor.execute("UPDATE verification_importjob SET content = %s WHERE id = %s", [PEOPLE, job.pk])

        migration.encrypt_files(before.apps, None)

        assert decrypt_bytes(raw_content(org_a, job.pk)) == PEOPLE
        assert raw_content(org_a, done.pk) == b""
        job.refresh_from_db()
        assert bytes(job.content) == PEOPLE
        assert import_job_confirm(job=job)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.DONE and "K1" in codes(org_a)

        other = ImportJobFactory.create(filename="o.csv", content=PEOPLE)
        migration.decrypt_files(before.apps, None)
        assert raw_content(org_a, other.pk) == PEOPLE
