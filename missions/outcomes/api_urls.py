"""API of outcomes, under /api/."""

from django.urls import path

from . import api

urlpatterns = [
    path("association/reassessments/", api.ReassessmentsAPI.as_view(), name="api-association-reassessments"),
    path(
        "association/beneficiaries/<int:beneficiary_id>/trend/",
        api.BeneficiaryTrendAPI.as_view(),
        name="api-association-beneficiary-trend",
    ),
    path("association/activity/", api.ActivityAPI.as_view(), name="api-association-activity"),
    path("volunteer/certificate/", api.CertificateAPI.as_view(), name="api-volunteer-certificate"),
    path("volunteer/certificate/pdf/", api.CertificatePDFAPI.as_view(), name="api-volunteer-certificate-pdf"),
]
