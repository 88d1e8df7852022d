"""Referral endpoints, under /api/association/."""

from django.urls import path

from . import api

urlpatterns = [
    path("partners/", api.PartnersAPI.as_view(), name="api-association-partners"),
    path(
        "partners/<int:partner_id>/deactivate/",
        api.PartnerDeactivateAPI.as_view(),
        name="api-association-partner-deactivate",
    ),
    path("referrals/", api.ReferralsAPI.as_view(), name="api-association-referrals"),
    path("referrals/<int:referral_id>/", api.ReferralAPI.as_view(), name="api-association-referral"),
    path(
        "referrals/<int:referral_id>/step/",
        api.ReferralTransitionAPI.as_view(),
        name="api-association-referral-transition",
    ),
]
