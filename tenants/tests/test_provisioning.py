"""Provisioning organizations by cloning the template schema."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import schema_context, schema_exists

import tenants.services
from tenants.models import Organization
from tenants.selectors import organization_list_ready
from tenants.services import organization_create

pytestmark = pytest.mark.django_db


def _count(schema: str, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')  # noqa: S608 - test-only names
        return int(cursor.fetchone()[0])


def test_new_organization_has_the_templates_content_types_and_permissions():
    organization_create(
        name="Gamma", slug="gamma", owner_name="G", owner_email="g@gamma.example", owner_password="x"
    )
    for table in ("django_content_type", "auth_permission", "auth_group", "django_migrations"):
        assert _count("org_gamma", table) == _count(settings.TENANT_BASE_SCHEMA, table) > 0


def test_template_and_tenants_are_fully_migrated(org_a):
    for schema in (settings.TENANT_BASE_SCHEMA, org_a.schema_name):
        with schema_context(schema):
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            assert plan == [], f"{schema} has unapplied migrations"


def test_template_is_a_tenant_row_so_migrate_schemas_visits_it():
    template = Organization.objects.get(schema_name=settings.TENANT_BASE_SCHEMA)
    assert template.kind == Organization.Kind.TEMPLATE
    assert not template.domains.exists()  # no request can reach it, so nothing writes to it
    assert template not in organization_list_ready()


def test_missing_template_fails_loudly_instead_of_migrating():
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA {settings.TENANT_BASE_SCHEMA} RENAME TO template_moved_away")
    with pytest.raises(ImproperlyConfigured, match="template schema"):
        organization_create(
            name="Delta", slug="delta", owner_name="D", owner_email="d@delta.example", owner_password="x"
        )
    assert not Organization.objects.filter(slug="delta").exists()
    assert not schema_exists("org_delta")


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


def test_ready_list_has_only_ready_customers(org_a, org_b):
    slugs = [o.slug for o in organization_list_ready()]
    assert slugs == ["alpha", "bravo"]


def test_create_organization_command(monkeypatch, capsys):
    monkeypatch.setenv("TIKA_OWNER_PASSWORD", "another-long-passphrase-7")
    call_command(
        "create_organization",
        "--name",
        "Zeta Labs",
        "--subdomain",
        "Zeta",
        "--owner-name",
        "Z",
        "--owner-email",
        "z@zeta.example",
    )
    assert "Created Zeta Labs at zeta.localhost" in capsys.readouterr().out
    assert Organization.objects.get(slug="zeta").status == Organization.Status.READY


@pytest.mark.parametrize(
    "subdomain, password, message",
    [
        ("alpha", "another-long-passphrase-7", "already taken"),
        ("www", "another-long-passphrase-7", "reserved"),
        ("ok-name", "123", "too short"),
    ],
)
def test_create_organization_command_rejects_bad_input(monkeypatch, subdomain, password, message):
    monkeypatch.setenv("TIKA_OWNER_PASSWORD", password)
    with pytest.raises(CommandError, match=message):
        call_command(
            "create_organization",
            "--name",
            "X",
            "--subdomain",
            subdomain,
            "--owner-name",
            "X",
            "--owner-email",
            "x@x.example",
        )


def test_template_behind_the_code_fails_loudly_instead_of_faking_migrations():
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {settings.TENANT_BASE_SCHEMA}.django_migrations "  # noqa: S608
            "WHERE app = 'verification' AND name = '0001_role_groups'"
        )
    with pytest.raises(ImproperlyConfigured, match=r"lacks migrations verification\.0001_role_groups"):
        organization_create(
            name="Eta", slug="eta", owner_name="E", owner_email="e@eta.example", owner_password="x"
        )
    assert not Organization.objects.filter(slug="eta").exists()
    assert not schema_exists("org_eta")


def test_clone_function_is_installed_when_missing():
    with connection.cursor() as cursor:
        cursor.execute("DROP FUNCTION public.clone_schema(text, text, public.cloneparms[])")
    organization_create(
        name="Theta", slug="theta", owner_name="T", owner_email="t@theta.example", owner_password="x"
    )
    assert schema_exists("org_theta")
