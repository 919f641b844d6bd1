"""Staff account pages: two-factor sign-in."""

from django.urls import path

from verification.views import twofactor

app_name = "account"

urlpatterns = [
    path("2fa/setup/", twofactor.setup, name="2fa_setup"),
    path("2fa/verify/", twofactor.verify, name="2fa_verify"),
    path("2fa/backup-codes/", twofactor.backup_codes, name="2fa_backup_codes"),
]
