"""URL configuration of the whole site."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from volunteers import api as volunteer_api

from . import views

# An unknown URL under /api/ answers JSON like the rest of the API (see views.not_found).
handler404 = "liens.views.not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("volunteer/", include("volunteers.urls", namespace="volunteers")),
    path("api/volunteer/", include("volunteers.api_urls")),
    path("association/", include("missions.association.urls", namespace="association")),
    path("api/association/", include("missions.association.api_urls")),
    path("api/auth/token/", volunteer_api.TokenView.as_view(), name="api-auth-token"),
    path("alerts/", include("missions.alerts.urls", namespace="alerts")),
    path("visits/", include("missions.visits.urls", namespace="visits")),
    path("api/alerts/", include("missions.alerts.api_urls", namespace="alerts_api")),
    path("matching/", include("missions.matching.urls", namespace="matching")),
    path("api/matching/", include("missions.matching.api_urls", namespace="matching_api")),
]
