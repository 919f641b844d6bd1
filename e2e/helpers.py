"""What the browser journeys share besides fixtures: the employee's phone and HR's desktop
windows, waiting for a condition, and enrolling an authenticator as a person would."""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path

# The employee's phone and HR's desktop.
PHONE_WIDTH = 390
PHONE = {
    "viewport": {"width": PHONE_WIDTH, "height": 844},
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


def countdown_samples(locator, seconds: float = 3.5) -> list[int]:  # type: ignore[no-untyped-def]
    """What a live "m:ss" countdown showed, in seconds, sampled for ``seconds``: long enough for
    htmx to swap the polling panel in once (every 3 s), so a jump back or a stall shows."""
    samples = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        minutes, secs = locator.inner_text().split(":")
        samples.append(int(minutes) * 60 + int(secs))
        time.sleep(0.25)
    return samples


def counts_down(samples: list[int]) -> bool:
    """Never up (no jump back when the panel is swapped in) and lower at the end than at first."""
    return all(a >= b for a, b in pairwise(samples)) and samples[-1] < samples[0]


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
    page.click("a[data-continue]")
    page.wait_for_load_state()
    return codes


#: axe-core, vendored for the journeys only (npm pack axe-core; MPL-2.0, see its LICENSE).
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"
#: WCAG 2.2 A and AA, as axe tags them.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """axe-core's WCAG 2.2 A/AA violations on the page as it stands. The script is evaluated
    through the DevTools protocol, so the page's own Content-Security-Policy stays as it is."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    return page.evaluate(
        """async (tags) => {
          const result = await window.axe.run(document, {
            runOnly: { type: "tag", values: tags }, resultTypes: ["violations"]
          });
          return result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary)
          }));
        }""",
        AXE_TAGS,
    )


def assert_accessible(page, label: str = "") -> None:  # type: ignore[no-untyped-def]
    violations = axe_violations(page)
    assert not violations, f"axe found WCAG 2.2 A/AA violations on {label or page.url}: {violations}"
