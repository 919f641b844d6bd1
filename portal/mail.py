"""Every e-mail Tika sends (the public site's and the organizations') is rendered and sent here, one way.

A message ``name`` is three templates: ``emails/<name>_subject.txt``, ``emails/<name>.txt``
and ``emails/<name>.html``. The subject and the text part are plain text, so they are rendered
with autoescaping off ("D'Souza & Sons" stays as typed, never "D&#x27;Souza &amp; Sons"); the
HTML part is escaped as every HTML page is. The subject is forced onto one line.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from tenants.models import Organization
from tenants.selectors import organization_time_zone


def _render_plain(template_name: str, context: dict[str, Any]) -> str:
    # The engine's own template (same loaders, tags and filters), in a context that does not escape.
    template = get_template(template_name).template  # type: ignore[attr-defined]
    return template.render(Context(context, autoescape=False))


def mail_render(*, name: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of message ``name``: subject on one line, text unescaped, html escaped."""
    # Times in the organization's zone. A request or a task has activated it already; the
    # organization the message is about, when it is in the context, says it for sure.
    organization = context.get("organization")
    zone = organization_time_zone(organization) if isinstance(organization, Organization) else None
    with timezone.override(zone or timezone.get_current_timezone()):
        subject = " ".join(_render_plain(f"emails/{name}_subject.txt", context).split())
        text = _render_plain(f"emails/{name}.txt", context)
        html = render_to_string(f"emails/{name}.html", context)
    return subject, text, html


def mail_send(*, to: str, name: str, context: dict[str, Any]) -> None:
    """Render message ``name`` with ``context`` and send it to ``to`` (text with an HTML
    alternative, from DEFAULT_FROM_EMAIL). Raises what the e-mail backend raises."""
    subject, text, html = mail_render(name=name, context=context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()
