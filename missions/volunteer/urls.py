"""Everything under /volunteer/ (namespace "volunteers"): the volunteer's home, missions, matches,
visits, reports and calendar feed, plus their own profile pages from volunteers.urls.

One namespace needs one included module (Django keeps only one of two includes sharing a
namespace), and only this side may import the other: `missions` depends on `volunteers`, so
the profile's patterns join here, not the reverse.
"""

from django.urls import include, path

from missions.conversations import views as conversation_views
from volunteers import urls as profile_urls

from . import views

app_name = "volunteers"

urlpatterns = [
    path("", views.home, name="home"),
    path("missions/", views.missions, name="missions"),
    path("missions/<int:mission_id>/", views.mission_detail, name="mission_detail"),
    path("missions/<int:mission_id>/offer/", views.mission_offer, name="mission_offer"),
    path("matches/<int:match_id>/accept/", views.match_accept, name="match_accept"),
    path("matches/<int:match_id>/decline/", views.match_decline, name="match_decline"),
    path("matches/<int:match_id>/conversation/", conversation_views.volunteer_conversation, name="conversation"),
    path("visits/", views.visits, name="visits"),
    path("visits/<int:visit_id>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("visits/<int:visit_id>/move/", views.visit_move, name="visit_move"),
    path("visits/<int:visit_id>/report/", views.visit_report, name="visit_report"),
    path("visits/<int:visit_id>/report/done/", views.report_done, name="report_done"),
    path("offline/", views.offline_list, name="offline_list"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("", include(profile_urls.urlpatterns)),
]
