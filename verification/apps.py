from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = "Vaccination status verification"

    def ready(self) -> None:
        from tenants.signals import organization_provisioned
        from verification.account.signals import organization_provisioned_audit

        # The audit trail of a new organization starts with its creation.
        organization_provisioned.connect(organization_provisioned_audit, dispatch_uid="tika-audit-created")
        self._register_due_work()

    @staticmethod
    def _register_due_work() -> None:
        # How each kind of periodic work finds, in one organization's own rows, when it is next
        # due: used after every visit and by the nightly rebuild (tenants/duework.py).
        from tenants.duework import Kind, due_work_register
        from verification.account.selectors import sessions_next_due
        from verification.attempts.sweep import attempts_next_due
        from verification.dashboard.services import snapshot_next_due
        from verification.employees.imports.services import import_jobs_next_due
        from verification.invitations.reminders import reminders_next_due
        from verification.privacy.retention import retention_next_due

        due_work_register(Kind.ATTEMPTS, attempts_next_due)
        due_work_register(Kind.REMINDERS, reminders_next_due)
        due_work_register(Kind.RETENTION, retention_next_due)
        due_work_register(Kind.SNAPSHOT, snapshot_next_due)
        due_work_register(Kind.SESSIONS, sessions_next_due)
        due_work_register(Kind.IMPORTS, import_jobs_next_due)
