"""The audit trail is append-only: the model refuses, and so does the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from tenants.tests.factories import OrganizationFactory
from verification.employees.services import employee_create
from verification.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_events_cannot_be_changed_or_removed_through_the_model(org_a):
    with schema_context(org_a.schema_name):
        employee_create(code="AU-1", full_name="A B", email="a@b.example")
        event = AuditEvent.objects.get(action="employee.created", data__code="AU-1")
        event.action = "something.else"
        with pytest.raises(RuntimeError, match="append-only"):
            event.save()
        with pytest.raises(RuntimeError, match="append-only"):
            event.delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE verification_auditevent SET action = 'x'",
        "DELETE FROM verification_auditevent",
        "TRUNCATE verification_auditevent",
    ],
)
def test_the_database_refuses_to_change_events_in_every_organization(org_a, sql):
    OrganizationFactory.create(slug="kappa")
    for schema in (org_a.schema_name, "org_kappa"):  # kappa: cloned from the template after the fact
        with schema_context(schema):
            employee_create(code="AU-2", full_name="A B", email="a@b.example")
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql)
            assert AuditEvent.objects.filter(data__code="AU-2").exists()


def test_events_name_the_actor_and_hold_no_personal_data(org_a):
    from django.contrib.auth.models import User

    with schema_context(org_a.schema_name):
        owner = User.objects.get(username=org_a.owner_email)
        employee = employee_create(
            code="AU-3", full_name="Ravi Kumar", email="ravi@b.example", mobile="9000000001", actor=owner
        )
        event = AuditEvent.objects.get(employee_id=employee.pk, action="employee.created")
    assert (event.actor_kind, event.actor_user_id, event.actor_label) == (
        "staff",
        owner.pk,
        org_a.owner_email,
    )
    assert "9000000001" not in str(event.data) and "Ravi" not in str(event.data)
