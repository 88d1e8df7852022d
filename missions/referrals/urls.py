"""Referral pages of the association side, under /association/ (namespace "referrals")."""

from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("referrals/", views.inbox, name="inbox"),
    path("referrals/<int:referral_id>/", views.detail, name="detail"),
    path("referrals/<int:referral_id>/step/", views.transition, name="transition"),
    path("referrals/<int:referral_id>/notes/", views.notes, name="notes"),
    path("referrals/<int:referral_id>/person/", views.person_new, name="person-new"),
    path("referrals/<int:referral_id>/person/link/", views.person_link, name="person-link"),
    path("partners/", views.partners, name="partners"),
    path("partners/public-form/", views.public_form_open, name="public-form"),
    path("partners/<int:partner_id>/deactivate/", views.partner_deactivate, name="partner-deactivate"),
    path("partners/<int:partner_id>/new-link/", views.partner_regenerate, name="partner-regenerate"),
]
