"""Alert endpoints, under /api/alerts/."""

from django.urls import path

from . import api

app_name = "alerts_api"

urlpatterns = [
    path("", api.AlertListApi.as_view(), name="list"),
    path("numbers/", api.AlertNumbersApi.as_view(), name="numbers"),
    path("<int:pk>/", api.AlertDetailApi.as_view(), name="detail"),
    path("<int:pk>/acknowledge/", api.AlertAcknowledgeApi.as_view(), name="acknowledge"),
    path("<int:pk>/assign/", api.AlertAssignApi.as_view(), name="assign"),
    path("<int:pk>/notes/", api.AlertNoteApi.as_view(), name="note"),
    path("<int:pk>/calls/", api.AlertCallApi.as_view(), name="call"),
    path("<int:pk>/referrals/", api.AlertReferApi.as_view(), name="refer"),
    path("<int:pk>/resolve/", api.AlertResolveApi.as_view(), name="resolve"),
]
