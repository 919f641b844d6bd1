"""HR's review list of statuses verified through another number."""

from django.urls import path

from verification.review import views

app_name = "review"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("<int:attempt_id>/approve/", views.review_approve, name="approve"),
    path("<int:attempt_id>/reject/", views.review_reject, name="reject"),
]
