"""The volunteer's API, under /api/volunteer/."""

from django.urls import path

from . import api

urlpatterns = [
    path("profile/", api.ProfileView.as_view(), name="api-volunteer-profile"),
    path("profile/availability/", api.ProfileAvailabilityView.as_view(), name="api-volunteer-availability"),
    path("profile/place/", api.ProfilePlaceView.as_view(), name="api-volunteer-place"),
    path("profile/interests/", api.ProfileInterestsView.as_view(), name="api-volunteer-interests"),
    path("profile/kinds/", api.ProfileKindsView.as_view(), name="api-volunteer-kinds"),
    path("profile/charter/", api.ProfileCharterView.as_view(), name="api-volunteer-charter"),
    path("profile/notifications/", api.ProfileNotificationsView.as_view(), name="api-volunteer-notifications"),
    path("vetting/", api.VettingView.as_view(), name="api-volunteer-vetting"),
    path("missions/", api.MissionsView.as_view(), name="api-volunteer-missions"),
    path("missions/<int:mission_id>/", api.MissionDetailView.as_view(), name="api-volunteer-mission"),
    path("missions/<int:mission_id>/offer/", api.MissionOfferView.as_view(), name="api-volunteer-mission-offer"),
    path("matches/", api.MatchesView.as_view(), name="api-volunteer-matches"),
    path("matches/<int:match_id>/", api.MatchDetailView.as_view(), name="api-volunteer-match"),
    path("matches/<int:match_id>/accept/", api.MatchAcceptView.as_view(), name="api-volunteer-match-accept"),
    path("matches/<int:match_id>/decline/", api.MatchDeclineView.as_view(), name="api-volunteer-match-decline"),
    path("visits/", api.VisitsView.as_view(), name="api-volunteer-visits"),
    path("visits/<int:visit_id>/cancel/", api.VisitCancelView.as_view(), name="api-volunteer-visit-cancel"),
    path("visits/<int:visit_id>/move/", api.VisitMoveView.as_view(), name="api-volunteer-visit-move"),
    path("visits/<int:visit_id>/report/", api.VisitReportView.as_view(), name="api-volunteer-visit-report"),
    path("calendar/", api.CalendarView.as_view(), name="api-volunteer-calendar"),
    path("calendar/reset/", api.CalendarResetView.as_view(), name="api-volunteer-calendar-reset"),
    path("pause/", api.PauseView.as_view(), name="api-volunteer-pause"),
    path("resume/", api.ResumeView.as_view(), name="api-volunteer-resume"),
    path("leave/", api.LeaveView.as_view(), name="api-volunteer-leave"),
]
