"""URLs of an organization's site (<slug>.BASE_DOMAIN). There is no Django admin here."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from verification.account.forms import EmailAuthenticationForm
from verification.account.views.password_reset import StaffPasswordResetView

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
    path("account/", include("verification.account.urls")),
    path("c/", include("verification.consent.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("employees/import/", include("verification.employees.imports.urls")),
    path("employees/review/", include("verification.review.urls")),
    path("employees/letters/", include("verification.letters.urls")),
    path("employees/", include("verification.employees.urls")),
    path("", include("verification.dashboard.urls")),
]
