"""API for data-protection rights."""

from django.urls import path

from . import api

urlpatterns = [
    path(
        "association/beneficiaries/<int:beneficiary_id>/export/",
        api.BeneficiaryExportAPI.as_view(),
        name="api-privacy-beneficiary-export",
    ),
    path(
        "association/beneficiaries/<int:beneficiary_id>/erase/",
        api.BeneficiaryEraseAPI.as_view(),
        name="api-privacy-beneficiary-erase",
    ),
    path("volunteer/me/data/", api.VolunteerDataAPI.as_view(), name="api-privacy-volunteer-data"),
]
