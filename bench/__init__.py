"""Benchmarks: `python -m bench [topic ...]` prints each figure beside its baseline.

Every topic is a module ``bench/<topic>.py`` exposing ``run() -> list[Figure]``; the runner
(``bench/__main__.py``) lists them in ``TOPICS``. A baseline is measured in the same run as
its figure, on the same machine, so the ratio is the number worth comparing across machines.

This package must stay importable without Django being set up: the Celery worker started by
``bench.queue`` imports ``bench.queue_tasks`` (and so this file) on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Figure:
    """One measured number, optionally with the baseline it is to be read against.

    ``key`` is the flat key in ``bench/out/latest.json`` (name it with its unit: ``_s``,
    ``_per_s``). ``better`` says which direction is an improvement, so that ``ratio`` is
    always "times better than the baseline" (above 1 means the figure beats it).
    """

    key: str
    value: float
    unit: str
    better: Literal["lower", "higher"]
    baseline: Figure | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.value == 0 or self.baseline.value == 0:
            return None
        if self.better == "lower":
            return self.baseline.value / self.value
        return self.value / self.baseline.value


def timed(action: Callable[[], T]) -> tuple[float, T]:
    """Wall time in seconds of one call of ``action``, and what it returned."""
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result
