from django.urls import path

from verification.providers.sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("cowin/api/v3/vaccination/generateOTP", views.generate_otp, name="generate_otp"),
    path("cowin/api/v3/vaccination/confirmOTP", views.confirm_otp, name="confirm_otp"),
    path("cowin/api/v3/vaccination/status", views.status, name="status"),
    path("cowin/.well-known/jwks.json", views.jwks, name="jwks"),
    path("inbox/", views.inbox, name="inbox"),
    path("certificates/<str:mobile>/<str:filename>", views.certificate_file, name="certificate_file"),
    path("inbox.json", views.inbox_json, name="inbox_json"),
    path("control/faults", views.control_faults, name="control_faults"),
    path("control/stats", views.control_stats, name="control_stats"),
    path("control/reset", views.control_reset, name="control_reset"),
]
