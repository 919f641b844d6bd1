"""Run the benchmarks: ``python -m bench [topic ...]`` (all topics, in order, by default).

Prints a table (figure | value | baseline | ratio) and writes the same figures to
``bench/out/latest.json``, one flat key per number. A topic that fails is reported and the
others still run; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

import django

from bench import Figure

#: Topic modules (``bench/<topic>.py``, each with ``run() -> list[Figure]``), in running order.
TOPICS = ("tenants", "queue", "verify", "certificate", "imports", "dashboard", "exports", "web", "orgs")
#: What ``python -m bench`` (and so ``make bench``) runs with no topic named: all but ``orgs``,
#: which provisions thousands of organizations (an hour and more on a small machine) and runs
#: on its own: ``python -m bench orgs`` (``ORGS_N``, ``ORGS_PROVISION_BUDGET_S``).
DEFAULT_TOPICS = tuple(topic for topic in TOPICS if topic != "orgs")
OUT_FILE = Path(__file__).resolve().parent / "out" / "latest.json"


def _number(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:,.{digits}f} {unit}"


def table(figures: Sequence[Figure]) -> str:
    rows = [("figure", "value", "baseline", "ratio")]
    notes = []
    for figure in figures:
        baseline = figure.baseline
        ratio = figure.ratio
        rows.append(
            (
                figure.key,
                _number(figure.value, figure.unit),
                f"{_number(baseline.value, baseline.unit)}  ({baseline.key})" if baseline else "-",
                f"{ratio:.2f}x {'faster' if figure.better == 'lower' else 'more'}" if ratio else "-",
            )
        )
        for item in (figure, baseline):
            if item is not None and item.note:
                notes.append(f"  {item.key}: {item.note}")
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join([*lines, "", "ratio: times better than the baseline, measured in the same run.", *notes])


def flat(figures: Sequence[Figure]) -> dict[str, float]:
    """One key per number: each figure, its baseline, and ``<figure>_ratio``."""
    data: dict[str, float] = {}
    for figure in figures:
        data[figure.key] = round(figure.value, 6)
        if figure.baseline is not None:
            data[figure.baseline.key] = round(figure.baseline.value, 6)
        if figure.ratio is not None:
            data[f"{figure.key}_ratio"] = round(figure.ratio, 4)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "topics", nargs="*", metavar="topic", help=f"one of {', '.join(TOPICS)}; default: all but orgs"
    )
    parser.add_argument(
        "--remove-leftovers",
        action="store_true",
        help="remove the bench organizations a killed run left behind, and exit "
        "(never while another bench run is going on)",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.topics) - set(TOPICS))
    if unknown:
        parser.error(f"unknown topic(s) {', '.join(unknown)}; choose from {', '.join(TOPICS)}")
    topics = list(dict.fromkeys(args.topics)) or list(DEFAULT_TOPICS)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    django.setup()
    if "LOG_LEVEL" not in os.environ:
        logging.getLogger().setLevel(logging.WARNING)  # keep the table readable

    from bench.throwaway import database_guard, leftovers, organization_remove

    database_guard()
    if args.remove_leftovers:
        for slug in leftovers():
            organization_remove(slug)
            print(f"bench: removed {slug}", file=sys.stderr)
        return 0

    figures: list[Figure] = []
    failed: list[str] = []
    for topic in topics:
        print(f"bench: {topic} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            run: Callable[[], list[Figure]] = importlib.import_module(f"bench.{topic}").run
            figures.extend(run())
        except Exception:
            traceback.print_exc()
            failed.append(topic)
        print(f"bench: {topic} took {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)

    print(table(figures))
    OUT_FILE.parent.mkdir(exist_ok=True)
    # A run of some topics keeps the other topics' figures from earlier runs.
    previous = json.loads(OUT_FILE.read_text()) if OUT_FILE.exists() else {}
    OUT_FILE.write_text(json.dumps({**previous, **flat(figures)}, indent=2, sort_keys=True) + "\n")
    print(f"\nWritten to {OUT_FILE}")

    left = leftovers()
    if left:
        print(
            f"bench: WARNING: bench organizations still in the database: {', '.join(left)} "
            "(python -m bench --remove-leftovers)",
            file=sys.stderr,
        )
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
