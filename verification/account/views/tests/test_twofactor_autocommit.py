"""Two-factor sign-in as a real server runs it: each query in autocommit, no test transaction.

The other two-factor tests run inside pytest-django's transaction, which hides a lock taken
outside one (django-otp locks the devices it verifies with SELECT ... FOR UPDATE).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django_otp.plugins.otp_static.models import StaticDevice
from django_tenants.utils import schema_context

from portal.testing import OWNER_PASSWORD, host_client

pytestmark = pytest.mark.usefixtures("two_factor_on")


@pytest.fixture
def backup_code(django_db_setup, committed_db, org_a):  # type: ignore[no-untyped-def]
    with schema_context(org_a.schema_name):
        user = User.objects.get(username=org_a.owner_email)
        device = StaticDevice.objects.create(user=user, name="autocommit test", confirmed=True)
        device.token_set.create(token="autocommit1")
    yield "autocommit1"
    with schema_context(org_a.schema_name):
        StaticDevice.objects.filter(pk=device.pk).delete()


def test_a_backup_code_signs_in_outside_any_transaction(org_a, backup_code):
    client = host_client(org_a.host)
    client.post("/accounts/login/", {"username": org_a.owner_email, "password": OWNER_PASSWORD})
    assert not connection.in_atomic_block
    response = client.post("/account/2fa/verify/", {"code": backup_code, "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    # Used once: the same code does not pass again.
    other = host_client(org_a.host)
    other.post("/accounts/login/", {"username": org_a.owner_email, "password": OWNER_PASSWORD})
    assert other.post("/account/2fa/verify/", {"code": backup_code, "next": "/"}).status_code == 200
