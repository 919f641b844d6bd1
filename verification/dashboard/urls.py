"""The dashboard: the staff home page and its live numbers."""

from django.urls import path

from verification.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/live/", views.dashboard_live, name="live"),
    path("dashboard/remind/", views.reminders_send, name="remind_all"),
]
