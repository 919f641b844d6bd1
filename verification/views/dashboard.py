"""Organization site: the HR dashboard shell."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from verification.permissions import request_role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenant/home.html", {"role": request_role(request)})
