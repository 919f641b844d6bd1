"""Factories of the rows inside one organization's schema (factory_boy). Pass ``org`` (an
``OrgFixture``) to make a row in that organization, or make it inside ``schema_context``.

Employees and invitations are made through the product's services, as HR makes them
(``employee_create``: the mobile validated, stored encrypted and masked, an audit event;
``invitation_create``: a link token, earlier links revoked, the employee's progress). The
other rows are plain INSERTs, for tests that need a state no page would reach in one step.
"""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from tenants.tests.factories import TenantFactory
from verification.employees.services import employee_create
from verification.invitations.services import invitation_create
from verification.models import Consent, Employee, ImportJob, Invitation, StatusRecord, VerificationAttempt


class EmployeeFactory(TenantFactory[Employee]):
    """An employee added by HR; ``email`` defaults to ``<code, lowercased>@example.com``.
    Any other argument of ``employee_create`` (mobile, department, location, actor) passes on."""

    class Meta:
        model = Employee

    code = factory.Sequence(lambda n: f"F-{n}")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda o: f"{o.code.lower()}@example.com")

    @classmethod
    def _make(cls, model_class: Any, **kwargs: Any) -> Employee:
        return employee_create(**kwargs)


class InvitationFactory(TenantFactory[Invitation]):
    """An invitation of an employee (a new one by default), as the invite button makes it; its
    ``token`` is the link's. The e-mail is not sent (the task is sent after commit)."""

    class Meta:
        model = Invitation

    employee = factory.SubFactory(EmployeeFactory, org=factory.SelfAttribute("..org"))

    @classmethod
    def _make(cls, model_class: Any, **kwargs: Any) -> Invitation:
        return invitation_create(**kwargs)


class ImportJobFactory(TenantFactory[ImportJob]):
    """An import job row as a test states it (status, errors, content), nothing checked."""

    class Meta:
        model = ImportJob

    filename = factory.Sequence(lambda n: f"import-{n}.csv")


class ConsentFactory(TenantFactory[Consent]):
    """Consent given (in English) through an invitation: the row the consent page writes."""

    class Meta:
        model = Consent

    invitation = factory.SubFactory(InvitationFactory, org=factory.SelfAttribute("..org"))
    employee = factory.LazyAttribute(lambda o: o.invitation.employee)
    decision = Consent.Decision.GIVEN
    notice_version = "t"
    language = "en"


class VerificationAttemptFactory(TenantFactory[VerificationAttempt]):
    """A verification attempt under a consent, verified unless ``state`` says otherwise, by
    the name on file."""

    class Meta:
        model = VerificationAttempt

    consent = factory.SubFactory(ConsentFactory, org=factory.SelfAttribute("..org"))
    employee = factory.LazyAttribute(lambda o: o.consent.employee)
    full_name = factory.LazyAttribute(lambda o: o.employee.full_name)
    state = VerificationAttempt.State.VERIFIED


class StatusRecordFactory(TenantFactory[StatusRecord]):
    """The signed status (fully vaccinated, now) an attempt recorded, with its evidence."""

    class Meta:
        model = StatusRecord

    attempt = factory.SubFactory(VerificationAttemptFactory, org=factory.SelfAttribute("..org"))
    employee = factory.LazyAttribute(lambda o: o.attempt.employee)
    consent = factory.LazyAttribute(lambda o: o.attempt.consent)
    status = 2
    verified_at = factory.LazyFunction(timezone.now)
    evidence = "h.p.s"
    key_id = "k"
