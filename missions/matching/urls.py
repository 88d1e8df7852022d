"""Coordinator pages of the matching engine, under /matching/ (namespace "matching")."""

from django.urls import path

from missions.conversations import views as conversation_views

from . import views

app_name = "matching"

urlpatterns = [
    path("missions/<int:mission_id>/suggestions/", views.suggestions, name="suggestions"),
    path("missions/<int:mission_id>/propose/", views.propose, name="propose"),
    path("batch/", views.batch, name="batch"),
    path("proposals/", views.proposals, name="proposals"),
    path("reviews/", views.reviews_page, name="reviews"),
    path("matches/<int:match_id>/", views.match_detail, name="match"),
    # Before the actions' pattern, whose slug would take "conversation" for an action.
    path("matches/<int:match_id>/conversation/", conversation_views.staff_conversation, name="conversation"),
    path("matches/<int:match_id>/<slug:action>/", views.match_action, name="match-action"),
]
