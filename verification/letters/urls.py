"""Printable invitation letters (HR)."""

from django.urls import path

from verification.letters import views

app_name = "letters"

urlpatterns = [
    path("", views.letters_selected, name="selected"),
    path("<int:employee_id>/", views.letter_one, name="one"),
]
