"""URLs of the public site (BASE_DOMAIN): landing page, sign-up, platform admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tenants import views

admin.site.site_header = "Tika platform administration"
admin.site.site_title = "Tika platform"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("signup/", views.signup, name="signup"),
    path("admin/", admin.site.urls),
]

if settings.KYCVS_SANDBOX_ENABLED:  # never in production settings
    urlpatterns.append(path("sandbox/", include("verification.providers.sandbox.urls")))
