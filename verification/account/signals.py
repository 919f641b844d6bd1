"""What the account room does when the platform provisions an organization."""

from __future__ import annotations

from typing import Any

from verification import events


def organization_provisioned_audit(*, organization: Any, owner: Any, **kwargs: Any) -> None:
    """The audit trail of a new organization starts with its creation, by its first Owner."""
    events.organization_created(actor=owner, name=organization.name)
