"""What the code must keep true so each organization's schema can move whole to another
PostgreSQL node (Citus 12 schema-based sharding; README "Scaling out"). Each rule is checked
on every model, so a new model that breaks one fails here, not in production."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from portal.testing import signed_in


def _app_label(app_path: str) -> str:
    return next(config.label for config in apps.get_app_configs() if config.name == app_path)


TENANT_LABELS = {_app_label(app) for app in settings.TENANT_APPS}
SHARED_ONLY_LABELS = {_app_label(app) for app in settings.SHARED_APPS} - TENANT_LABELS
# Our own apps; the contrib and third-party models keep the integer keys their packages ship.
OWN_LABELS = {"tenants", "verification", "portal"}


def _tenant_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if model._meta.app_label in TENANT_LABELS]


def test_no_tenant_table_points_into_the_public_schema():
    # A foreign key from a distributed schema into the public one pins the schema to the node
    # holding public: it could never move. (Apps in both lists resolve to the schema's own copy.)
    crossing = [
        f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}"
        for model in _tenant_models()
        for field in model._meta.get_fields(include_hidden=True)
        if field.is_relation
        and field.concrete
        and field.related_model is not None
        and field.related_model._meta.app_label in SHARED_ONLY_LABELS
    ]
    assert crossing == []
    assert len(_tenant_models()) > 10  # the check sees the models


def test_no_public_table_points_into_a_tenant_schema():
    tenant_only = TENANT_LABELS - {_app_label(app) for app in settings.SHARED_APPS}
    crossing = [
        f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}"
        for model in apps.get_models()
        if model._meta.app_label in SHARED_ONLY_LABELS
        for field in model._meta.get_fields(include_hidden=True)
        if field.is_relation
        and field.concrete
        and field.related_model is not None
        and field.related_model._meta.app_label in tenant_only
    ]
    assert crossing == []


def test_every_own_model_has_a_64_bit_key():
    # Ids stay unique and unexhausted however many organizations and rows a node carries.
    narrow = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in OWN_LABELS
        and isinstance(model._meta.pk, models.AutoField)
        and not isinstance(model._meta.pk, models.BigAutoField)
    ]
    assert narrow == []
    assert settings.DEFAULT_AUTO_FIELD == "django.db.models.BigAutoField"


_PUBLIC_TABLES = {
    model._meta.db_table for model in apps.get_models() if model._meta.app_label in SHARED_ONLY_LABELS
}
_TENANT_TABLES = {
    model._meta.db_table
    for model in apps.get_models()
    if model._meta.app_label in TENANT_LABELS - {_app_label(app) for app in settings.SHARED_APPS}
}


def _tables_in(sql: str) -> set[str]:
    return set(re.findall(r'"([a-z_0-9]+)"', sql))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/employees/", "/employees/review/", "/account/audit/"])
def test_staff_pages_never_join_a_tenant_table_with_a_public_one(org_a, path):
    # Under Citus the organization's tables live on one node and public on the coordinator: a
    # statement naming both is a cross-node join. Separate statements (the tenant lookup, the
    # due-work index) are fine.
    client = signed_in(org_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    mixed = [
        query["sql"]
        for query in queries.captured_queries
        if _tables_in(query["sql"]) & _PUBLIC_TABLES and _tables_in(query["sql"]) & _TENANT_TABLES
    ]
    assert mixed == []
    assert any(_tables_in(query["sql"]) & _TENANT_TABLES for query in queries.captured_queries)
