"""What every way to verify shares: the status it proves, and the method's name.

Nothing outside ``verification/providers/`` knows a URL or a wire field name: callers get
typed results and typed errors that say what to do next. No error message ever contains a
mobile number, a name, an OTP or a token.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VaccinationStatus(models.IntegerChoices):
    """The status a way to verify proves (CoWIN's numbers), the one definition in Tika."""

    NOT_VACCINATED = 0, _("Not vaccinated")
    PARTIALLY_VACCINATED = 1, _("Partially vaccinated")
    FULLY_VACCINATED = 2, _("Fully vaccinated")


class Method(models.TextChoices):
    """A way to verify (one package of ``verification.providers`` each)."""

    KYCVS = "kycvs", _("One-time password from CoWIN")
    CERTIFICATE = "certificate", _("Vaccination certificate")
