"""Review queue pages, under /alerts/ (namespace "alerts")."""

from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/note/", views.note, name="note"),
    path("<int:pk>/call/", views.call, name="call"),
    path("<int:pk>/refer/", views.refer, name="refer"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
]
