from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = "Vaccination status verification"

    def ready(self) -> None:
        from tenants.signals import organization_provisioned
        from verification.account.signals import organization_provisioned_audit

        # The audit trail of a new organization starts with its creation.
        organization_provisioned.connect(organization_provisioned_audit, dispatch_uid="tika-audit-created")
