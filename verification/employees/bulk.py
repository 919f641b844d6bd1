"""HR's bulk actions on the directory: invite, remind or deactivate the employees ticked on a
page, or every employee the directory's filters match.

One rule per action says whom it applies to (``bulk_targets``), so the count on the
confirmation page and the work done are the same query. Every employee acted on is audited
as if HR had pressed the button on their own page (one event each: who was invited, reminded
or deactivated, and by whom); e-mails are enqueued by name after commit.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from verification.employees.selectors import EmployeeFilters, employee_directory
from verification.employees.services import employee_set_active
from verification.events import Actor
from verification.invitations.reminders import invitations_to_remind, reminders_request_for
from verification.invitations.services import invitations_create, sms_enabled
from verification.models import Employee, Progress


class BulkAction(enum.StrEnum):
    INVITE = "invite"
    REMIND = "remind"
    DEACTIVATE = "deactivate"

    @property
    def label(self) -> str:
        return str(BULK_LABELS[self])


BULK_LABELS = {
    BulkAction.INVITE: _("Invite"),
    BulkAction.REMIND: _("Remind"),
    BulkAction.DEACTIVATE: _("Deactivate"),
}


def bulk_chosen(
    *, ids: Iterable[int] | None = None, filters: EmployeeFilters | None = None
) -> QuerySet[Employee]:
    """The employees HR chose: those among ``ids`` (ticked), or all that ``filters`` match.

    Ids that name no employee of this organization (missing, or another organization's, whose
    schema this query cannot see) are left out without a word.
    """
    if ids is not None:
        return Employee.objects.filter(pk__in=list(ids))
    return employee_directory(filters or EmployeeFilters(), queryset=Employee.objects.all()).order_by()


def bulk_targets(action: BulkAction, chosen: QuerySet[Employee]) -> QuerySet[Employee]:
    """The part of ``chosen`` that ``action`` applies to:

    - invite: active employees never invited whom an e-mail or an SMS can reach (a new link
      for someone invited before is sent from their own page; one reached only by a printed
      letter gets it from "Print letters");
    - remind: active employees whose live invitation may be reminded now (the reminder rules:
      not answered, not e-mailed in the last 24 hours, link not expired);
    - deactivate: active employees.
    """
    active = chosen.filter(is_active=True)
    if action == BulkAction.INVITE:
        reachable = Q(email__gt="")
        if sms_enabled():
            reachable |= Q(mobile_last4__gt="")
        return active.filter(reachable, progress=Progress.NOT_INVITED)
    if action == BulkAction.REMIND:
        due = invitations_to_remind(manual=True).values("employee_id")
        return active.filter(pk__in=due)
    return active


def bulk_apply(*, action: BulkAction, chosen: QuerySet[Employee], actor: Actor) -> int:
    """Apply ``action`` to ``bulk_targets(action, chosen)``; return how many it applied to.

    All or nothing: the rows are locked and re-read inside one transaction, so a second click
    (or a second tab) waits, then finds these people invited or deactivated and leaves them
    alone; the e-mails go out (after commit) only if every row was saved.
    """
    with transaction.atomic():
        targets = list(bulk_targets(action, chosen).order_by("full_name", "code").select_for_update())
        if action == BulkAction.INVITE:
            return len(invitations_create(employees=targets, actor=actor))
        if action == BulkAction.REMIND:
            return reminders_request_for(employees=targets, actor=actor)
        return sum(employee_set_active(employee=e, active=False, actor=actor) for e in targets)
