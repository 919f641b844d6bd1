"""Ask first: a destructive staff action (deactivate, revoke) posted without ``confirmed``
shows a page that says what it will do, with the button that does it and a way back."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirmed") == "1"


def confirmation_page(
    request: HttpRequest, *, title: str, explanation: str, confirm_label: str, cancel_url: str
) -> HttpResponse:
    """The page that asks; its button posts the same form to the same URL, confirmed."""
    return render(
        request,
        "components/confirm.html",
        {
            "title": title,
            "explanation": explanation,
            "confirm_label": confirm_label,
            "cancel_url": cancel_url,
            "action_url": request.path,
        },
    )
