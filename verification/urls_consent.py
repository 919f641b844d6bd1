"""The employee's pages, reached through the invitation link (no login)."""

from django.urls import path

from verification.views import consent

app_name = "consent"

urlpatterns = [
    path("<str:token>/", consent.landing, name="landing"),
    path("<str:token>/agree/", consent.agree, name="agree"),
    path("<str:token>/decline/", consent.decline, name="decline"),
    path("<str:token>/details/", consent.details, name="details"),
    path("<str:token>/otp/", consent.otp, name="otp"),
    path("<str:token>/otp/state/", consent.otp_state, name="otp_state"),
    path("<str:token>/resend/", consent.resend, name="resend"),
    path("<str:token>/done/", consent.done, name="done"),
    path("<str:token>/withdraw/", consent.withdraw, name="withdraw"),
    path("<str:token>/my-data/", consent.my_data, name="my_data"),
    path("<str:token>/code/", consent.code, name="code"),
    path("<str:token>/code/send/", consent.code_send, name="code_send"),
]
