"""Outcome pages (namespace "outcomes"): reassessments due for the staff, the association's
activity report and the platform admins' territory report (page and exports), the volunteer's
certificate of hours, and the public check of a certificate."""

from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("association/reassessments/", views.reassessments, name="reassessments"),
    path("association/activity/", views.activity_page, name="activity"),
    path("association/activity/export/<str:export>/", views.activity_download, name="activity-export"),
    path("platform/activity/", views.territory_activity_page, name="territory-activity"),
    path(
        "platform/activity/export/<str:export>/",
        views.territory_activity_download,
        name="territory-activity-export",
    ),
    path("volunteer/certificate/", views.certificate, name="certificate"),
    path("certificates/verify/<str:reference>/", views.certificate_verify, name="certificate-verify"),
]
