from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.utils.translation import gettext_lazy as _

from tenants.selectors import subdomain_is_taken
from tenants.subdomains import subdomain_free_variant
from tenants.validators import SUBDOMAIN_MAX, normalize_subdomain, validate_plain_text, validate_subdomain


class SignupForm(forms.Form):
    organization_name = forms.CharField(
        label=_("Organization name"), max_length=120, validators=[validate_plain_text]
    )
    subdomain = forms.CharField(
        label=_("Subdomain"),
        max_length=SUBDOMAIN_MAX,
        help_text=_("Your organization's address. Lowercase letters, digits and hyphens."),
    )
    owner_name = forms.CharField(label=_("Your full name"), max_length=150, validators=[validate_plain_text])
    email = forms.EmailField(label=_("Work email"))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )

    def clean_subdomain(self) -> str:
        slug = normalize_subdomain(self.cleaned_data["subdomain"])
        validate_subdomain(slug)
        if subdomain_is_taken(slug):
            free = subdomain_free_variant(slug)
            if free:
                raise forms.ValidationError(
                    _("This subdomain is already taken; %(free)s is free.") % {"free": free}, code="taken"
                )
            raise forms.ValidationError(_("This subdomain is already taken."), code="taken")
        return slug

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            probe = User(
                username=cleaned.get("email", ""),
                email=cleaned.get("email", ""),
                first_name=cleaned.get("owner_name", ""),
            )
            try:
                validate_password(password, user=probe)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class FindOrganizationForm(forms.Form):
    email = forms.EmailField(
        label=_("Your work e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()
