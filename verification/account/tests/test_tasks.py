from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tenants.utils import schema_context

from verification.account.tasks import sessions_clear_expired

pytestmark = pytest.mark.django_db


def _expired_session() -> str:
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(minutes=1)
    )
    assert store.session_key
    return store.session_key


def test_clearing_sessions_touches_only_the_current_organization(org_a, org_b):
    with schema_context(org_a.schema_name):
        _expired_session()
        live = SessionStore()
        live.create()
    with schema_context(org_b.schema_name):
        expired_b = _expired_session()

    with schema_context(org_a.schema_name):
        assert sessions_clear_expired.apply().get() == 1
        assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    with schema_context(org_b.schema_name):
        assert Session.objects.filter(session_key=expired_b).exists()
