"""Provisioning organizations: all or nothing; the template is a tenant row that no request
reaches."""

from __future__ import annotations

import pytest
from django.conf import settings
from django_tenants.utils import schema_exists

import tenants.services
from tenants.models import Organization
from tenants.selectors import organization_list_ready
from tenants.services import organization_create

pytestmark = pytest.mark.django_db


def test_template_is_a_tenant_row_so_migrate_schemas_visits_it():
    template = Organization.objects.get(schema_name=settings.TENANT_BASE_SCHEMA)
    assert template.kind == Organization.Kind.TEMPLATE
    assert not template.domains.exists()  # no request can reach it, so nothing writes to it
    assert template not in organization_list_ready()


def test_failure_during_creation_leaves_nothing_behind(monkeypatch):

    def explode(**kwargs):
        raise RuntimeError("owner could not be created")

    monkeypatch.setattr(tenants.services, "member_create", explode)
    with pytest.raises(RuntimeError):
        organization_create(
            name="Eps", slug="eps", owner_name="E", owner_email="e@eps.example", owner_password="x"
        )
    assert not Organization.objects.filter(slug="eps").exists()
    assert not schema_exists("org_eps")


def test_an_organization_can_be_created_whatever_schema_the_connection_is_on(org_a):
    """A script or a benchmark that just served a request of one organization (the connection
    is on its schema) may provision another: organizations are public rows. (The test's
    transaction takes the new schema away again: PostgreSQL's DDL is transactional.)"""
    from django.db import connection
    from django_tenants.utils import schema_context

    with schema_context(org_a.schema_name):
        made = organization_create(
            name="Zeta", slug="zeta-from-a", owner_name="Z", owner_email="z@zeta.example", owner_password="x"
        )
        assert connection.schema_name == org_a.schema_name  # type: ignore[attr-defined]  # left as the caller had it
    assert Organization.objects.get(slug="zeta-from-a").pk == made.pk and schema_exists(made.schema_name)
