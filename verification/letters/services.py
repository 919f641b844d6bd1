"""Letters: a new invitation by letter for each employee, and what their page says."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from tenants.selectors import organization_current
from verification import events
from verification.events import Actor
from verification.invitations.services import invitation_create, invitation_link, invitation_sent_on_employee
from verification.letters.pdf import Block, LetterPage
from verification.models import Channel, Employee, Invitation

#: Letters in one PDF (one request): a print run for a whole site is several downloads.
LETTERS_MAX = 500


def _notice(invitation: Invitation, language: str) -> tuple[Block, ...]:
    organization = organization_current()
    employee = invitation.employee
    org_name = organization.name if organization else ""
    contact = ""
    if organization is not None and organization.grievance_contact_name:
        contact = organization.grievance_contact_name
        if organization.grievance_contact_email:
            contact += f" ({organization.grievance_contact_email})"
    with translation.override(language):
        until = formats.date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")
        blocks = [
            Block(_("Your COVID-19 vaccination status: your choice"), size=30, bold=True),
            Block(
                _("Dear %(name)s (employee code %(code)s),")
                % {"name": employee.full_name, "code": employee.code}
            ),
            Block(
                _(
                    "%(org)s would like to know whether you are vaccinated against COVID-19, only "
                    "with your consent. You may agree or decline, and you may withdraw later."
                )
                % {"org": org_name}
            ),
            Block(
                _(
                    "Scan the QR code with your phone's camera, or type the address under it. You "
                    "will read the full notice first. If you agree, you confirm with your "
                    "vaccination certificate or with a one-time password that CoWIN sends to your "
                    "phone."
                )
            ),
            Block(
                _(
                    "What is kept: whether you are not, partially or fully vaccinated, and how and "
                    "when this was checked, encrypted. Withdrawing your consent erases it."
                )
            ),
            Block(
                _("The link works until %(date)s. It is yours alone: do not share this letter.")
                % {"date": until}
            ),
        ]
        if contact:
            blocks.append(Block(_("Questions or complaints: %(contact)s") % {"contact": contact}))
    return tuple(blocks)


def letter_page(invitation: Invitation) -> LetterPage:
    """What the letter of ``invitation`` shows: English above the QR code, Hindi below."""
    organization = organization_current()
    heading = Block(organization.name if organization else "", size=26, bold=True, space_after=4)
    return LetterPage(
        above=(heading, *_notice(invitation, "en")),
        link=invitation_link(invitation),
        below=_notice(invitation, "hi"),
    )


def letters_issue(*, employees: Iterable[Employee], actor: Actor) -> list[LetterPage]:
    """A letter for each active employee given: a new invitation by letter (their earlier
    link stops working), recorded as sent now and audited as printed. All or none."""
    pages = []
    now = timezone.now()
    with transaction.atomic():
        for employee in employees:
            if not employee.is_active:
                continue
            invitation = invitation_create(employee=employee, actor=actor, channel=Channel.LETTER)
            Invitation.objects.filter(pk=invitation.pk).update(sent_at=now)
            invitation.sent_at = now
            invitation_sent_on_employee(invitation)
            events.invitation_letter_printed(invitation, actor=actor)
            pages.append(letter_page(invitation))
    return pages
