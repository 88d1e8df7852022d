"""Pages for data-protection rights (namespace "privacy")."""

from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path(
        "association/beneficiaries/<int:beneficiary_id>/export.json",
        views.beneficiary_export_json,
        name="beneficiary-export-json",
    ),
    path(
        "association/beneficiaries/<int:beneficiary_id>/export.pdf",
        views.beneficiary_export_pdf,
        name="beneficiary-export-pdf",
    ),
    path("association/beneficiaries/<int:beneficiary_id>/erase/", views.beneficiary_erase, name="beneficiary-erase"),
    path("association/register/", views.processing_register, name="register"),
    path("volunteer/my-data.json", views.volunteer_data_export, name="volunteer-export"),
]
