"""What the browser journeys share besides fixtures: the employee's phone and HR's desktop
windows, waiting for a condition, and enrolling an authenticator as a person would."""

from __future__ import annotations

import time

# The employee's phone and HR's desktop.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def wait_for(probe, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def totp_enrol(page) -> list[str]:  # type: ignore[no-untyped-def]
    """On the two-factor set-up page, enrol an authenticator as a person would.

    Reads the secret shown under the QR code, computes the current 6-digit code from it
    (RFC 6238), confirms, and returns the backup codes the next page shows once; then leaves
    that page by its "continue" button.
    """
    from base64 import b32decode

    from django_otp.oath import totp

    assert "/account/2fa/setup/" in page.url, page.url
    secret = page.inner_text("code.secret").replace(" ", "")
    page.fill("#id_code", f"{totp(b32decode(secret)):06d}")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/account/2fa/backup-codes/**")
    codes = [c.strip() for c in page.locator(".backup-codes code").all_inner_texts()]
    assert len(codes) == 10, codes
    page.click("a.button")
    page.wait_for_load_state()
    return codes
