"""India's COVID-19 vaccines as CoWIN names them, and their primary schedules.

``dose`` and ``totalDoses`` share one signed predicate (``schema:doseValue``), so a forger can
swap them without breaking the signature; the schedule here says which value is the total
(PITFALLS 21). A dose beyond the schedule is a precaution ("booster") dose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Vaccine:
    name: str  # as CoWIN writes it on certificates
    total_doses: int  # primary schedule
    manufacturer: str


VACCINES: tuple[Vaccine, ...] = (
    Vaccine("COVISHIELD", 2, "Serum Institute of India"),
    Vaccine("COVAXIN", 2, "Bharat Biotech"),
    Vaccine("Sputnik V", 2, "Gamaleya Research Institute (Dr. Reddy's Laboratories)"),
    Vaccine("Sputnik Light", 1, "Gamaleya Research Institute (Dr. Reddy's Laboratories)"),
    Vaccine("CORBEVAX", 2, "Biological E"),
    Vaccine("COVOVAX", 2, "Serum Institute of India"),
    Vaccine("ZyCoV-D", 3, "Zydus Cadila"),
    Vaccine("iNCOVACC", 2, "Bharat Biotech"),
)

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _key(name: str) -> str:
    return _NOT_ALNUM.sub("", name.casefold())


_BY_KEY = {_key(vaccine.name): vaccine for vaccine in VACCINES}


def vaccine_named(name: object) -> Vaccine | None:
    """The vaccine CoWIN calls ``name`` (case, spaces and hyphens ignored), or None."""
    return _BY_KEY.get(_key(name)) if isinstance(name, str) else None
