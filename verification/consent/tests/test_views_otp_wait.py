"""With the real worker and the sandbox: a name CoWIN does not know for the number is told as
such (the number kept, the certificate offered), and the retry waiting out CoWIN's 180 s rule
says why and when in one message, with no spinner beside it."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from portal.testing import signed_in
from verification.models import VerificationAttempt

pytestmark = [pytest.mark.worker]
State = VerificationAttempt.State


def test_a_name_cowin_does_not_know_keeps_the_number_and_the_retry_waits_in_one_message(journey, org_a):
    employee = journey.employee("9000000099", "Ravi Kumar")
    token = journey.invite(employee)
    # Another number, the initials of the name on file: CoWIN knows 9000000001 as "Ravi Kumar".
    journey.consent_and_send_otp(token, "9000000001", "R. Kumar", number="other")
    journey.wait_panel(token, State.OTP_SENT)
    journey.submit_otp(token, journey.sandbox.last_otp("9000000001"))
    assert journey.wait_panel(token, "redirect:").endswith(f"/c/{token}/verify/")

    page = journey.client.get(f"/c/{token}/verify/", follow=True)
    assert page.redirect_chain[-1][0] == f"/c/{token}/details/"
    html = page.content.decode()
    assert "The name does not match CoWIN&#x27;s record for this number" in html
    assert "needs a new OTP" in html  # said plainly: the retry costs an OTP
    assert "no vaccination record" not in html
    name = re.search(r'<input[^>]*name="full_name"[^>]*>', html)
    assert name and 'value="R. Kumar"' in name.group(0) and "autofocus" in name.group(0)
    other = re.search(r'<input[^>]*value="other"[^>]*>', html)
    assert other and "checked" in other.group(0)
    mobile = re.search(r'<input[^>]*name="mobile"[^>]*>', html)
    assert mobile and 'value="9000000001"' in mobile.group(0)  # kept, for this browser
    session = journey.client.session
    assert "9000000001" not in str(dict(session.items()))  # the session holds an id, not the number
    assert f'href="/c/{token}/certificate/"' in html  # org A offers the certificate too

    # Another browser with the same link sees the name refused, never the number typed here.
    from portal.testing import host_client

    stranger = host_client(org_a.host).get(f"/c/{token}/details/").content.decode()
    assert "9000000001" not in stranger

    # HR reads the reason in words.
    hr = signed_in(org_a).get(f"/employees/{employee.pk}/").content.decode()
    assert "does not match CoWIN&#x27;s record for their number" in hr

    # The corrected name, at once: CoWIN's 180 s rule holds the new OTP back.
    response = journey.client.post(
        f"/c/{token}/details/", {"full_name": "Ravi Kumar", "number": "other", "mobile": "9000000001"}
    )
    assert response["Location"] == f"/c/{token}/otp/"

    def waiting() -> str | None:
        _state, html = journey.panel(token)
        return html if 'data-waiting="cowin-resend-rule"' in html else None

    panel = journey.wait(waiting)
    assert 'data-state="created"' in panel
    assert "working" not in panel and "alert-error" not in panel  # no spinner, no red second message
    assert panel.count('role="alert"') == 0 and panel.count("<p class=") == 1
    seconds = re.search(r'data-countdown="(\d+)">(\d):(\d\d)<', panel)
    assert seconds and 100 < int(seconds.group(1)) <= 180
    assert int(seconds.group(2)) * 60 + int(seconds.group(3)) == int(seconds.group(1))
    assert 'hx-trigger="every 3s"' in panel
    with schema_context(org_a.schema_name):
        attempt = VerificationAttempt.objects.filter(employee=employee).latest("pk")
    assert attempt.state == State.CREATED and attempt.retry_after is not None
