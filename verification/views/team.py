"""The staff team (Owners only): invite teammates, change roles, deactivate, reset 2FA;
and the page where an invited teammate joins."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tenants.validators import validate_plain_text
from verification import twofactor
from verification.permissions import role_required
from verification.roles import Role
from verification.selectors import staff_user_role
from verification.services import staff as staff_services

OWNERS = (Role.OWNER,)


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class JoinForm(forms.Form):
    full_name = forms.CharField(
        label=gettext_lazy("Your full name"), max_length=150, validators=[validate_plain_text]
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def access_staff_user(user_id: int) -> User:
    """A staff user of this organization, or 404 (this schema cannot see other organizations)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    return user


@role_required(*OWNERS)
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        if User.objects.filter(username=email).exists():
            form.add_error("email", _("This person is already in the team."))
        else:
            staff_services.staff_invite(
                email=email,
                role=Role(form.cleaned_data["role"]),
                actor=request.user,  # type: ignore[arg-type]
            )
            messages.success(
                request, _("Invitation sent to %(email)s. The link works for 7 days.") % {"email": email}
            )
            return redirect("account:team")
    members = [
        {
            "user": u,
            "role": staff_user_role(u),
            "two_factor": twofactor.has_authenticator(u),
        }
        for u in User.objects.prefetch_related("groups").order_by("-is_active", "first_name", "username")
    ]
    invitations = [
        {"invitation": i, "role": Role(i.role)} for i in staff_services.staff_invitations_pending()
    ]
    return render(
        request,
        "tenant/account/team.html",
        {"form": form, "members": members, "roles": Role.choices, "invitations": invitations},
    )


@role_required(*OWNERS)
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = staff_services.access_pending_staff_invitation(invitation_id)
    if staff_services.staff_invitation_revoke(invitation=invitation, actor=request.user):
        messages.success(
            request,
            _("The invitation of %(email)s is revoked: its link no longer works.")
            % {"email": invitation.email},
        )
    return redirect("account:team")


@role_required(*OWNERS)
@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = staff_services.access_pending_staff_invitation(invitation_id)
    staff_services.staff_invitation_resend(invitation=invitation, actor=request.user)  # type: ignore[arg-type]
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
            staff_services.staff_role_change(
                user=user, role=Role(form.cleaned_data["role"]), actor=request.user
            )
            messages.success(request, _("Role changed."))
        except staff_services.StaffChangeRefused:
            messages.error(request, _("The organization needs at least one active Owner."))
    return redirect("account:team")


@role_required(*OWNERS)
@require_POST
def deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    user = access_staff_user(user_id)
    if user == request.user:
        messages.error(request, _("You cannot deactivate yourself."))
    else:
        try:
            staff_services.staff_deactivate(user=user, actor=request.user)
            messages.success(
                request, _("%(email)s is deactivated and signed out everywhere.") % {"email": user.email}
            )
        except staff_services.StaffChangeRefused:
            messages.error(request, _("The organization needs at least one active Owner."))
    return redirect("account:team")


@role_required(*OWNERS)
@require_POST
def reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    staff_services.staff_reactivate(user=access_staff_user(user_id), actor=request.user)
    messages.success(request, _("Reactivated."))
    return redirect("account:team")


@role_required(*OWNERS)
@require_POST
def reset_two_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    user = access_staff_user(user_id)
    if user == request.user:
        messages.error(request, _("Another Owner must reset your two-factor sign-in."))
    else:
        twofactor.devices_reset(user=user, actor=request.user)  # type: ignore[arg-type]
        messages.success(
            request,
            _("Two-factor sign-in reset: %(email)s sets it up again at the next sign-in.")
            % {"email": user.email},
        )
    return redirect("account:team")


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = staff_services.access_staff_invitation(token)
    except Http404:
        return render(request, "tenant/account/join_invalid.html", status=404)
    if invitation.accepted_at is not None or User.objects.filter(username=invitation.email).exists():
        return render(request, "tenant/account/join_invalid.html", {"joined": True}, status=410)
    if not invitation.is_pending:  # revoked or expired
        return render(request, "tenant/account/join_invalid.html", status=404)
    email, role = invitation.email, Role(invitation.role)
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            validate_password(form.cleaned_data["password"], user=User(username=email, email=email))
        except forms.ValidationError as exc:
            form.add_error("password", exc)
        else:
            try:
                user = staff_services.staff_join(
                    token=token,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password"],
                )
            except staff_services.StaffInvitationUnusable:
                # Revoked or accepted between the page and the click.
                return render(request, "tenant/account/join_invalid.html", status=404)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("/")
    return render(request, "tenant/account/join.html", {"form": form, "email": email, "role": role})
