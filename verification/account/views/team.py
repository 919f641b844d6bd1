"""The staff team (Owners only): invite teammates, change roles, deactivate, reset 2FA; and the
page where an invited teammate joins.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tenants.members import Role, member_exists, member_role
from verification.account.confirm import confirmation_page, is_confirmed
from verification.account.forms import InviteForm, JoinForm, RoleForm
from verification.account.permissions import OWNERS, role_required
from verification.account.selectors import (
    access_pending_staff_invitation,
    access_staff_invitation,
    access_staff_user,
    staff_invitations_pending,
    staff_members,
)
from verification.account.services import (
    StaffChangeRefused,
    StaffInvitationUnusable,
    staff_deactivate,
    staff_invitation_resend,
    staff_invitation_revoke,
    staff_invite,
    staff_join,
    staff_reactivate,
    staff_role_change,
)
from verification.account.twofactor import devices_reset, has_authenticator


@role_required(*OWNERS)
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        if member_exists(email):
            form.add_error("email", _("This person is already in the team."))
        else:
            staff_invite(
                email=email,
                role=Role(form.cleaned_data["role"]),
                actor=request.user,  # type: ignore[arg-type]
            )
            messages.success(
                request, _("Invitation sent to %(email)s. The link works for 7 days.") % {"email": email}
            )
            return redirect("account:team")
    members = [
        {"user": u, "role": member_role(u), "two_factor": has_authenticator(u)} for u in staff_members()
    ]
    invitations = [{"invitation": i, "role": Role(i.role)} for i in staff_invitations_pending()]
    return render(
        request,
        "account/team.html",
        {"form": form, "members": members, "roles": Role.choices, "invitations": invitations},
    )


@role_required(*OWNERS)
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = access_pending_staff_invitation(invitation_id)
    if not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Revoke the invitation of %(email)s?") % {"email": invitation.email},
            explanation=_(
                "Their link stops working at once and they cannot join with it. You can invite "
                "them again later."
            ),
            confirm_label=_("Yes, revoke the invitation"),
            cancel_url=reverse("account:team"),
        )
    if staff_invitation_revoke(invitation=invitation, actor=request.user):
        messages.success(
            request,
            _("The invitation of %(email)s is revoked: its link no longer works.")
            % {"email": invitation.email},
        )
    return redirect("account:team")


@role_required(*OWNERS)
@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = access_pending_staff_invitation(invitation_id)
    staff_invitation_resend(invitation=invitation, actor=request.user)  # type: ignore[arg-type]
    messages.success(
        request,
        _("A new link was sent to %(email)s; the earlier one no longer works.") % {"email": invitation.email},
    )
    return redirect("account:team")


@role_required(*OWNERS)
@require_POST
def role_change(request: HttpRequest, user_id: int) -> HttpResponse:
    user = access_staff_user(user_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            staff_role_change(user=user, role=Role(form.cleaned_data["role"]), actor=request.user)
            messages.success(request, _("Role changed."))
        except StaffChangeRefused:
            messages.error(request, _("The organization needs at least one active Owner."))
    return redirect("account:team")


@role_required(*OWNERS)
@require_POST
def deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    user = access_staff_user(user_id)
    if user == request.user:
        messages.error(request, _("You cannot deactivate yourself."))
    elif user.is_active and not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Deactivate %(email)s?") % {"email": user.email},
            explanation=_(
                "They are signed out everywhere at once and can no longer sign in. Their past "
                "actions stay in the audit log. You can reactivate them later."
            ),
            confirm_label=_("Yes, deactivate %(email)s") % {"email": user.email},
            cancel_url=reverse("account:team"),
        )
    else:
        try:
            staff_deactivate(user=user, actor=request.user)
            messages.success(
                request, _("%(email)s is deactivated and signed out everywhere.") % {"email": user.email}
            )
        except StaffChangeRefused:
            messages.error(request, _("The organization needs at least one active Owner."))
    return redirect("account:team")


@role_required(*OWNERS)
@require_POST
def reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    staff_reactivate(user=access_staff_user(user_id), actor=request.user)
    messages.success(request, _("Reactivated."))
    return redirect("account:team")


@role_required(*OWNERS)
@require_POST
def reset_two_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    user = access_staff_user(user_id)
    if user == request.user:
        messages.error(request, _("Another Owner must reset your two-factor sign-in."))
    else:
        devices_reset(user=user, actor=request.user)  # type: ignore[arg-type]
        messages.success(
            request,
            _("Two-factor sign-in reset: %(email)s sets it up again at the next sign-in.")
            % {"email": user.email},
        )
    return redirect("account:team")


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = access_staff_invitation(token)
    except Http404:
        return render(request, "account/join_invalid.html", status=404)
    if invitation.accepted_at is not None or member_exists(invitation.email):
        return render(request, "account/join_invalid.html", {"joined": True}, status=410)
    if not invitation.is_pending:  # revoked or expired
        return render(request, "account/join_invalid.html", status=404)
    email, role = invitation.email, Role(invitation.role)
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            validate_password(form.cleaned_data["password"], user=User(username=email, email=email))
        except forms.ValidationError as exc:
            form.add_error("password", exc)
        else:
            try:
                user = staff_join(
                    token=token,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password"],
                )
            except StaffInvitationUnusable:
                # Revoked or accepted between the page and the click.
                return render(request, "account/join_invalid.html", status=404)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("/")
    return render(request, "account/join.html", {"form": form, "email": email, "role": role})
