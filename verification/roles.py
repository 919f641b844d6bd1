"""Staff roles of an organization, stored as auth groups in the organization's schema."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    HR_ADMIN = "hr_admin", _("HR Admin")
    VIEWER = "viewer", _("Viewer")


def group_name(role: Role | str) -> str:
    return f"role:{Role(role).value}"
