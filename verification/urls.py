from django.urls import path

from verification.views import dashboard

app_name = "verification"

urlpatterns = [
    path("", dashboard.home, name="home"),
]
