"""The matching API, under /api/matching/."""

from django.urls import path

from missions.conversations import api as conversation_api

from . import api

app_name = "matching_api"

urlpatterns = [
    path("missions/<int:mission_id>/suggestions/", api.MissionSuggestionsView.as_view(), name="suggestions"),
    path("missions/<int:mission_id>/proposals/", api.MissionProposeView.as_view(), name="propose"),
    path("batch/", api.BatchView.as_view(), name="batch"),
    path("proposals/", api.ProposalsView.as_view(), name="proposals"),
    path("reviews-due/", api.ReviewsDueView.as_view(), name="reviews-due"),
    path("recommendations/", api.RecommendationsView.as_view(), name="recommendations"),
    path("matches/<int:match_id>/", api.MatchDetailView.as_view(), name="match"),
    path("matches/<int:match_id>/introduce/", api.MatchIntroduceView.as_view(), name="match-introduce"),
    path("matches/<int:match_id>/activate/", api.MatchActivateView.as_view(), name="match-activate"),
    path("matches/<int:match_id>/pause/", api.MatchPauseView.as_view(), name="match-pause"),
    path("matches/<int:match_id>/end/", api.MatchEndView.as_view(), name="match-end"),
    path("matches/<int:match_id>/decline/", api.MatchDeclineView.as_view(), name="match-decline"),
    path("matches/<int:match_id>/review/", api.MatchReviewView.as_view(), name="match-review"),
    path("matches/<int:match_id>/messages/", conversation_api.StaffMessagesView.as_view(), name="match-messages"),
    path(
        "matches/<int:match_id>/messages/read/",
        conversation_api.StaffMessagesReadView.as_view(),
        name="match-messages-read",
    ),
]
