"""The volunteer's own API (profile, vetting, calendar address, pause, leave), under /api/volunteer/.
Their missions, matches, visits and reports are under the same prefix: missions.volunteer.api_urls."""

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
    path("calendar/", api.CalendarView.as_view(), name="api-volunteer-calendar"),
    path("calendar/reset/", api.CalendarResetView.as_view(), name="api-volunteer-calendar-reset"),
    path("pause/", api.PauseView.as_view(), name="api-volunteer-pause"),
    path("resume/", api.ResumeView.as_view(), name="api-volunteer-resume"),
    path("leave/", api.LeaveView.as_view(), name="api-volunteer-leave"),
]
