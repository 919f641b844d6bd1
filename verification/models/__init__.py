"""Records inside one organization's schema, one module per entity; all of them belong to the
``verification`` app (one app label, so migrations never move). Import them from here.

The database is the truth for where every verification stands; Celery messages only say
"look at attempt N" (see verification/attempts/).
"""

from verification.models.attempts import StatusRecord, VerificationAttempt
from verification.models.audit import AuditEvent
from verification.models.consent import Consent, ViewCode
from verification.models.employees import Channel, Employee, EmployeeTally, Progress
from verification.models.imports import ImportColumnMapping, ImportJob
from verification.models.invitations import Invitation
from verification.models.snapshots import DailySnapshot
from verification.models.staff import StaffInvitation
from verification.providers.base import Method, VaccinationStatus

__all__ = [
    "AuditEvent",
    "Channel",
    "Consent",
    "DailySnapshot",
    "Employee",
    "EmployeeTally",
    "ImportColumnMapping",
    "ImportJob",
    "Invitation",
    "Method",
    "Progress",
    "StaffInvitation",
    "StatusRecord",
    "VaccinationStatus",
    "VerificationAttempt",
    "ViewCode",
]
