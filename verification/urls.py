from django.urls import path

from verification.views import dashboard, employees

app_name = "verification"

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("employees/", employees.employee_list, name="employee_list"),
    path("employees/new/", employees.employee_create, name="employee_create"),
    path("employees/invite/", employees.employee_invite, name="employee_invite"),
]
