"""Reads of organizations: the ready list holds only ready customers."""

from __future__ import annotations

import pytest

from tenants.selectors import organization_list_ready

pytestmark = pytest.mark.django_db


def test_ready_list_has_only_ready_customers(org_a, org_b):
    slugs = [o.slug for o in organization_list_ready()]
    assert slugs == ["alpha", "bravo"]
