"""Lien-social endpoints, under /api/lien-social/."""

from django.urls import path

from . import api

urlpatterns = [
    path("service/plans/", api.ServicePlanListApi.as_view(), name="api-lien-social-service-plans"),
    path("sessions/", api.SessionListCreateApi.as_view(), name="api-lien-social-sessions"),
    path("statement/<int:year>-<int:month>/", api.StatementApi.as_view(), name="api-lien-social-statement"),
    path("plans/", api.AssociationPlanListCreateApi.as_view(), name="api-lien-social-plans"),
    path("plans/<int:plan_id>/end/", api.AssociationPlanEndApi.as_view(), name="api-lien-social-plan-end"),
]
