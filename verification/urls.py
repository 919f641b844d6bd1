from django.urls import path

from verification.views import dashboard, employees
from verification.views import exports as exports_views
from verification.views import imports as imports_views

app_name = "verification"

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("dashboard/live/", dashboard.dashboard_live, name="dashboard_live"),
    path("dashboard/remind/", dashboard.reminders_send, name="reminders_send"),
    path("employees/", employees.employee_list, name="employee_list"),
    path("employees/new/", employees.employee_create, name="employee_create"),
    path("employees/invite/", employees.employee_invite, name="employee_invite"),
    path("employees/export.csv", exports_views.export_csv, name="employee_export_csv"),
    path("employees/export.xlsx", exports_views.export_xlsx, name="employee_export_xlsx"),
    path("employees/review/", employees.employee_review_list, name="employee_review_list"),
    path(
        "employees/review/<int:attempt_id>/approve/",
        employees.employee_review_approve,
        name="employee_review_approve",
    ),
    path(
        "employees/review/<int:attempt_id>/reject/",
        employees.employee_review_reject,
        name="employee_review_reject",
    ),
    path("employees/<int:employee_id>/", employees.employee_detail, name="employee_detail"),
    path("employees/<int:employee_id>/edit/", employees.employee_edit, name="employee_edit"),
    path("employees/<int:employee_id>/invite/", employees.employee_invite_one, name="employee_invite_one"),
    path("employees/<int:employee_id>/remind/", employees.employee_remind, name="employee_remind"),
    path(
        "employees/<int:employee_id>/deactivate/", employees.employee_deactivate, name="employee_deactivate"
    ),
    path(
        "employees/<int:employee_id>/reactivate/", employees.employee_reactivate, name="employee_reactivate"
    ),
    path("employees/import/", imports_views.import_upload, name="import_upload"),
    path("employees/import/template.csv", imports_views.import_template, name="import_template"),
    path("employees/import/<int:job_id>/", imports_views.import_job, name="import_job"),
    path("employees/import/<int:job_id>/confirm/", imports_views.import_job_confirm, name="import_confirm"),
    path("employees/import/<int:job_id>/cancel/", imports_views.import_job_cancel, name="import_cancel"),
    path("employees/import/<int:job_id>/errors.csv", imports_views.import_job_errors, name="import_errors"),
]
