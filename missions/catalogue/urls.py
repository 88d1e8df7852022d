"""The public catalogue of open missions, under /missions/ (namespace "catalogue")."""

from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("", views.catalogue, name="list"),
    path("<int:mission_id>/", views.mission, name="mission"),
]
