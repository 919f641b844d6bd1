"""URLs of an organization's site (<slug>.BASE_DOMAIN). There is no Django admin here."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from verification.forms import EmailAuthenticationForm
from verification.views.password_reset import StaffPasswordResetView

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        StaffPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/", include("verification.urls_account")),
    path("c/", include("verification.urls_consent")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("verification.urls")),
]
