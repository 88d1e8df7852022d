"""The volunteer's missions, matches, visits and reports through the API, under /api/volunteer/
next to their profile's endpoints (volunteers.api_urls)."""

from django.urls import path

from missions.conversations import api as conversation_api

from . import api

urlpatterns = [
    path("missions/", api.MissionsView.as_view(), name="api-volunteer-missions"),
    path("missions/<int:mission_id>/", api.MissionDetailView.as_view(), name="api-volunteer-mission"),
    path("missions/<int:mission_id>/offer/", api.MissionOfferView.as_view(), name="api-volunteer-mission-offer"),
    path("matches/", api.MatchesView.as_view(), name="api-volunteer-matches"),
    path("matches/<int:match_id>/", api.MatchDetailView.as_view(), name="api-volunteer-match"),
    path("matches/<int:match_id>/accept/", api.MatchAcceptView.as_view(), name="api-volunteer-match-accept"),
    path("matches/<int:match_id>/decline/", api.MatchDeclineView.as_view(), name="api-volunteer-match-decline"),
    path(
        "matches/<int:match_id>/messages/",
        conversation_api.VolunteerMessagesView.as_view(),
        name="api-volunteer-match-messages",
    ),
    path(
        "matches/<int:match_id>/messages/read/",
        conversation_api.VolunteerMessagesReadView.as_view(),
        name="api-volunteer-match-messages-read",
    ),
    path("visits/", api.VisitsView.as_view(), name="api-volunteer-visits"),
    path("visits/<int:visit_id>/cancel/", api.VisitCancelView.as_view(), name="api-volunteer-visit-cancel"),
    path("visits/<int:visit_id>/move/", api.VisitMoveView.as_view(), name="api-volunteer-visit-move"),
    path("visits/<int:visit_id>/report/", api.VisitReportView.as_view(), name="api-volunteer-visit-report"),
]
