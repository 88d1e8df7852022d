"""The volunteer's own pages (profile, vetting, calendar address, pause, leave), under /volunteer/.

They share the "volunteers" namespace with the volunteer's mission pages: missions.volunteer.urls
adds these patterns to its own, and the site's urls include that one module under /volunteer/.
"""

from django.urls import path

from . import email_link, views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/<slug:step>/", views.profile_step, name="profile_step"),
    path("vetting/", views.vetting, name="vetting"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("pause/", views.pause, name="pause"),
    path("resume/", views.resume, name="resume"),
    path("leave/", views.leave, name="leave"),
    # The verification email's link: confirms the address and signs in (see email_link).
    path("welcome/<str:key>/", email_link.confirm_email, name="confirm_email"),
]
