"""The organization's settings (Owners)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tenants.selectors import organization_current
from verification.account.forms import SettingsForm
from verification.account.permissions import OWNERS, role_required
from verification.account.services import organization_settings_save


@role_required(*OWNERS)
def settings_page(request: HttpRequest) -> HttpResponse:
    organization = organization_current()
    if organization is None:  # the organization's own site always has one
        raise PermissionDenied
    form = SettingsForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        organization_settings_save(form=form, actor=request.user)
        messages.success(request, _("Settings saved."))
        return redirect("account:settings")
    return render(request, "account/settings.html", {"form": form})
