"""The employee's pages, reached through the invitation link (no login)."""

from django.urls import path

from verification.consent import views

app_name = "consent"

urlpatterns = [
    path("<str:token>/", views.landing, name="landing"),
    path("<str:token>/agree/", views.agree, name="agree"),
    path("<str:token>/decline/", views.decline, name="decline"),
    path("<str:token>/details/", views.details, name="details"),
    path("<str:token>/otp/", views.otp, name="otp"),
    path("<str:token>/otp/state/", views.otp_state, name="otp_state"),
    path("<str:token>/resend/", views.resend, name="resend"),
    path("<str:token>/done/", views.done, name="done"),
    path("<str:token>/withdraw/", views.withdraw, name="withdraw"),
    path("<str:token>/my-data/", views.my_data, name="my_data"),
    path("<str:token>/code/", views.code, name="code"),
    path("<str:token>/code/send/", views.code_send, name="code_send"),
]
