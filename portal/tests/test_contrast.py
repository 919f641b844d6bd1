"""Contrast of what static/css/app.css draws (WCAG 2.2 AA): form controls' borders and the
dashboard palette 3:1 against white at least (1.4.11), text 4.5:1 (1.4.3), the palette's
colours far enough apart to tell apart (CIEDE2000), and the language switch a 44 px target on
phones (2.5.8 asks 24 px). Computed from the stylesheet itself, so a change there is checked."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text()
WHITE, PAGE = "#ffffff", "#f6f7fb"
PALETTE_KEYS = (
    "fully",
    "partially",
    "not_vaccinated",
    "pending",
    "review",
    "declined",
    "withdrawn",
    "failed",
    "not_invited",
)
#: CIEDE2000 distance under which two chart colours are too alike to tell apart at a glance.
MIN_DISTANCE = 15.0


def variables() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", CSS, re.S)
    assert root
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root.group(1)))


def _channels(colour: str) -> list[float]:
    return [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (_linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _lab(colour: str) -> tuple[float, float, float]:
    r, g, b = (_linear(c) for c in _channels(colour))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def ciede2000(c1: str, c2: str) -> float:
    """CIEDE2000 colour difference (Sharma, Wu and Dalal's formulation)."""
    l1, a1, b1 = _lab(c1)
    l2, a2, b2 = _lab(c2)
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p, h2p = math.degrees(math.atan2(b1, a1p)) % 360, math.degrees(math.atan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    dh = 0.0
    if c1p * c2p:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if not c1p * c2p:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_bar - 30))
        + 0.24 * math.cos(math.radians(2 * h_bar))
        + 0.32 * math.cos(math.radians(3 * h_bar + 6))
        - 0.20 * math.cos(math.radians(4 * h_bar - 63))
    )
    d_theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * cp_bar, 1 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (dc / s_c) * (d_h / s_h))


def test_the_formulas_agree_with_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#d9dee7", WHITE) == pytest.approx(1.35, abs=0.01)  # the old border
    assert contrast("#b42318", "#b54708") == pytest.approx(1.21, abs=0.02)  # old "not vaccinated" vs "failed"
    # Sharma, Wu and Dalal's test pair 1 (in Lab) is 2.0425; in sRGB a white/black pair is 100.
    assert ciede2000("#000000", "#ffffff") == pytest.approx(100.0, abs=0.1)


def test_form_control_borders_are_3_to_1_on_white_and_on_the_page():
    control = variables()["control"]
    assert contrast(control, WHITE) >= 3.0 and contrast(control, PAGE) >= 3.0
    rule = re.search(r"\.field input, \.field select, \.field textarea \{([^}]*)\}", CSS)
    assert rule and "border: 1px solid var(--control)" in rule.group(1)


def test_text_colours_are_4_5_to_1():
    v = variables()
    for name in ("ink", "muted", "brand", "danger", "ok", "warn"):
        assert contrast(v[name], WHITE) >= 4.5, name
        assert contrast(v[name], PAGE) >= 4.5, name
    assert contrast(v["brand-ink"], v["brand"]) >= 4.5


@pytest.mark.parametrize("key", PALETTE_KEYS)
def test_each_chart_colour_is_3_to_1_on_white(key):
    assert contrast(variables()[f"chart-{key}"], WHITE) >= 3.0


def test_chart_colours_are_far_apart_from_each_other():
    v = variables()
    for a, b in itertools.combinations(PALETTE_KEYS, 2):
        distance = ciede2000(v[f"chart-{a}"], v[f"chart-{b}"])
        assert distance >= MIN_DISTANCE, f"{a} and {b} are too alike ({distance:.1f})"


def test_swatches_and_the_charts_draw_from_the_same_palette():
    for key in PALETTE_KEYS:
        assert f".swatch-{key} {{ background: var(--chart-{key}); }}" in CSS
    script = (Path(__file__).resolve().parents[2] / "static" / "js" / "dashboard.js").read_text()
    assert '"--chart-" + key' in script and not re.search(r"#[0-9a-fA-F]{6}\"[,\n]", script)


def test_the_language_switch_is_a_44_px_target_on_phones():
    rule = re.search(r"\.lang-button \{([^}]*)\}", CSS)
    assert rule and "min-height: 44px" in rule.group(1) and "min-width: 44px" in rule.group(1)
    wide = re.search(r"@media \(min-width: 48rem\) \{ \.lang-button \{ min-height: (\d+)px; \} \}", CSS)
    assert wide and int(wide.group(1)) >= 24
