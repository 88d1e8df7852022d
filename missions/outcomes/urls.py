"""Outcome pages (namespace "outcomes"): reassessments due for the staff, the volunteer's
certificate of hours, and the public check of a certificate."""

from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("association/reassessments/", views.reassessments, name="reassessments"),
    path("volunteer/certificate/", views.certificate, name="certificate"),
    path("certificates/verify/<str:reference>/", views.certificate_verify, name="certificate-verify"),
]
