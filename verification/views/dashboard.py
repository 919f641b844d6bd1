"""Organization site: the HR dashboard shell."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from verification.selectors import staff_user_role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    role = staff_user_role(request.user)  # type: ignore[arg-type]
    return render(request, "tenant/home.html", {"role": role})
