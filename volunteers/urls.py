"""The volunteer's pages, under /volunteer/ (namespace "volunteers")."""

from django.urls import path

from . import views

app_name = "volunteers"

urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("profile/<slug:step>/", views.profile_step, name="profile_step"),
    path("vetting/", views.vetting, name="vetting"),
    path("missions/", views.missions, name="missions"),
    path("missions/<int:mission_id>/", views.mission_detail, name="mission_detail"),
    path("missions/<int:mission_id>/offer/", views.mission_offer, name="mission_offer"),
    path("matches/<int:match_id>/accept/", views.match_accept, name="match_accept"),
    path("matches/<int:match_id>/decline/", views.match_decline, name="match_decline"),
    path("visits/", views.visits, name="visits"),
    path("visits/<int:visit_id>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("visits/<int:visit_id>/move/", views.visit_move, name="visit_move"),
    path("visits/<int:visit_id>/report/", views.visit_report, name="visit_report"),
    path("visits/<int:visit_id>/report/done/", views.report_done, name="report_done"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("pause/", views.pause, name="pause"),
    path("resume/", views.resume, name="resume"),
    path("leave/", views.leave, name="leave"),
]
