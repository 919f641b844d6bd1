"""The sandbox's seeded registry of citizens: mobile -> name -> doses.

Demo numbers (documented in docs/provider.md and README.md). Any other valid Indian mobile
number is a citizen with no vaccination record: status 0, whatever the name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Citizen:
    mobile: str  # 10-digit national number
    name: str
    doses: int

    @property
    def status(self) -> int:
        return min(self.doses, 2)


CITIZENS: tuple[Citizen, ...] = (
    # fully vaccinated (status 2)
    Citizen("9000000001", "Ravi Kumar", 2),
    Citizen("9000000002", "Priya Sharma", 3),
    Citizen("9000000003", "Anjali Gupta", 2),
    # partially vaccinated (status 1)
    Citizen("9000000011", "Imran Khan", 1),
    Citizen("9000000012", "Lakshmi Iyer", 1),
    # registered, not vaccinated (status 0)
    Citizen("9000000021", "Sunil Das", 0),
    Citizen("9000000022", "Meera Nair", 0),
)
_BY_MOBILE = {c.mobile: c for c in CITIZENS}

#: Numbers CoWIN will not send an OTP to (it answers USRAUT0018, "Generate OTP failed", as it
#: did for numbers it throttled or blocked): try the certificate route with them.
OTP_REFUSED = frozenset({"9000000090"})


def otp_refused(mobile: str) -> bool:
    return mobile in OTP_REFUSED


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


class NameMismatch(LookupError):
    """The number is registered, to someone of another name."""


def status_for(mobile: str, name: str) -> int:
    """Vaccination status of the person with this mobile and name (raises NameMismatch)."""
    citizen = _BY_MOBILE.get(mobile)
    if citizen is None:
        return 0
    if not _same_name(citizen.name, name):
        raise NameMismatch
    return citizen.status
