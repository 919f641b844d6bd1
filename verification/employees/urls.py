"""HR's employee pages: the directory, one employee, exports."""

from django.urls import path

from verification.employees.views import bulk, directory, exports

app_name = "employees"

urlpatterns = [
    path("", directory.employee_list, name="list"),
    path("new/", directory.employee_add, name="create"),
    path("bulk/", bulk.employee_bulk, name="bulk"),
    path("export.csv", exports.export_csv, name="export_csv"),
    path("export.xlsx", exports.export_xlsx, name="export_xlsx"),
    path("<int:employee_id>/", directory.employee_detail, name="detail"),
    path("<int:employee_id>/edit/", directory.employee_edit, name="edit"),
    path("<int:employee_id>/invite/", directory.employee_invite_one, name="invite_one"),
    path("<int:employee_id>/remind/", directory.employee_remind, name="remind"),
    path("<int:employee_id>/deactivate/", directory.employee_deactivate, name="deactivate"),
    path("<int:employee_id>/reactivate/", directory.employee_reactivate, name="reactivate"),
]
