"""URLs of the public site (BASE_DOMAIN): landing page, sign-up, sign-in, platform admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from tenants import views

# The platform admin can re-point organizations' domains: a password alone is not enough, it
# also asks for a code from the superuser's authenticator (enrol one with
# `manage.py platform_totp_enrol <username>`). django-otp's documented way to swap the site in.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "Tika platform administration"
admin.site.site_title = "Tika platform"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("signup/", views.signup, name="signup"),
    path("signup/subdomain/", views.subdomain_suggestion, name="signup_subdomain"),
    path("signin/", views.find_organization, name="find_organization"),
    path("signin/sent/", views.find_organization_sent, name="find_organization_sent"),
    path("admin/", admin.site.urls),
]

if settings.KYCVS_SANDBOX_ENABLED:  # never in production settings
    urlpatterns.append(path("sandbox/", include("verification.providers.sandbox.urls")))
