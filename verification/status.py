"""The status an employee's row shows: set from a status record, cleared on erasure. One place,
so that every way to verify, HR's approval and every erasure agree on what the row holds."""

from __future__ import annotations

from typing import Any

from verification.models import Employee, Progress, StatusRecord

#: The row's status fields as erasure leaves them.
STATUS_CLEARED: dict[str, Any] = {
    "vaccination_status": None,
    "status_verified_at": None,
    "status_method": "",
    "status_dose": None,
    "status_total_doses": None,
    "status_vaccine": "",
    "status_last_dose_on": None,
}


def status_fields(record: StatusRecord) -> dict[str, Any]:
    """The row's status fields showing ``record``."""
    return {
        "vaccination_status": record.status,
        "status_verified_at": record.verified_at,
        "status_method": record.method,
        "status_dose": record.dose,
        "status_total_doses": record.total_doses,
        "status_vaccine": record.vaccine,
        "status_last_dose_on": record.last_dose_on,
    }


def employee_status_show(*, record: StatusRecord) -> None:
    """The employee of ``record`` is verified, and their row shows it (it counts)."""
    Employee.objects.filter(pk=record.employee_id).update(progress=Progress.VERIFIED, **status_fields(record))
