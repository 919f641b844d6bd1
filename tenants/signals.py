"""What the platform tells the features, so that it never has to know them.

``organization_provisioned`` is sent by ``organization_create`` inside its transaction, with
the connection on the new organization's schema, once the first Owner exists: a feature that
must do something for every new organization connects a receiver in its AppConfig.ready().
If a receiver fails, the whole organization is rolled back.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Sent with ``organization`` (tenants.models.Organization) and ``owner`` (the first Owner).
organization_provisioned = Signal()
