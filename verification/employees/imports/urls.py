"""HR's bulk import of employees."""

from django.urls import path

from verification.employees.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("template.csv", views.template, name="template"),
    path("<int:job_id>/", views.job, name="job"),
    path("<int:job_id>/columns/", views.job_columns, name="columns"),
    path("<int:job_id>/confirm/", views.job_confirm, name="confirm"),
    path("<int:job_id>/cancel/", views.job_cancel, name="cancel"),
    path("<int:job_id>/errors.csv", views.job_errors, name="errors"),
]
