"""The employee's pages, reached through the invitation link (no login)."""

from django.urls import path

from verification.consent.views import certificate, journey, otp, shown

app_name = "consent"

urlpatterns = [
    path("<str:token>/", journey.landing, name="landing"),
    path("<str:token>/agree/", journey.agree, name="agree"),
    path("<str:token>/decline/", journey.decline, name="decline"),
    path("<str:token>/verify/", certificate.choose, name="choose"),
    path("<str:token>/certificate/", certificate.certificate, name="certificate"),
    path("<str:token>/details/", otp.details, name="details"),
    path("<str:token>/otp/", otp.otp, name="otp"),
    path("<str:token>/otp/state/", otp.otp_state, name="otp_state"),
    path("<str:token>/resend/", otp.resend, name="resend"),
    path("<str:token>/done/", shown.done, name="done"),
    path("<str:token>/withdraw/", journey.withdraw, name="withdraw"),
    path("<str:token>/my-data/", shown.my_data, name="my_data"),
    path("<str:token>/code/", shown.code, name="code"),
    path("<str:token>/code/send/", shown.code_send, name="code_send"),
]
