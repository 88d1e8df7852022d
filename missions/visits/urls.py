"""URLs under /visits/ (namespace "visits")."""

from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("cant-come/<str:token>/", views.cant_come, name="cant_come"),
    path("attention/", views.attention, name="attention"),
    path("attention/digest/", views.digest_mode, name="digest_mode"),
    path("<int:pk>/cancel/", views.staff_cancel, name="staff_cancel"),
    path("<int:pk>/move/", views.staff_move, name="staff_move"),
]
