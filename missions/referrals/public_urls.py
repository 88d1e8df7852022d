"""The public referral form behind a partner's private link, under /refer/ (namespace "refer")."""

from django.urls import path

from . import views

app_name = "refer"

urlpatterns = [
    path("<str:token>/", views.refer, name="form"),
    path("<str:token>/sent/", views.refer_sent, name="sent"),
]
