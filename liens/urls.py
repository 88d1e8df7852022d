"""URL configuration of the whole site."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from . import pwa, views
from .accounts import notifications as account_notifications
from .accounts import views as account_views

# The admin signs in through the site's form, with its rate limit and two-factor code.
admin.site.login = account_views.admin_login(admin.site)

# An unknown URL under /api/ answers JSON like the rest of the API (see views.not_found).
handler404 = "liens.views.not_found"
handler403 = "liens.views.forbidden"
handler400 = "liens.views.bad_request"
handler500 = "liens.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    # The installable web app: the service worker must live at the root to look after every page.
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
    path("install-hint/dismiss/", pwa.install_hint_dismiss, name="install_hint_dismiss"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", account_views.login, name="account_login"),
    path("accounts/language/", account_views.language, name="account_language"),
    path("accounts/2fa/", account_views.security, name="mfa_index"),
    path("accounts/2fa/totp/activate/", account_views.activate_totp, name="mfa_activate_totp"),
    path("accounts/api-token/revoke/", account_views.api_token_revoke_page, name="account_api_token_revoke"),
    path("accounts/notifications/", account_notifications.notifications, name="account_notifications"),
    path(
        "accounts/notifications/devices/<int:subscription_id>/remove/",
        account_notifications.device_remove,
        name="account_device_remove",
    ),
    path("accounts/", include("allauth.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", views.ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    # The volunteer's own profile and their side of missions share one prefix and namespace;
    # missions.volunteer.urls takes in the profile's patterns (see there why).
    path("volunteer/", include("missions.volunteer.urls", namespace="volunteers")),
    path("api/volunteer/", include("volunteers.api_urls")),
    path("api/volunteer/", include("missions.volunteer.api_urls")),
    path("association/", include("missions.association.urls", namespace="association")),
    path("api/association/", include("missions.association.api_urls")),
    # Referrals that report back: the staff pages, and the public form behind a partner's link.
    path("association/", include("missions.referrals.urls", namespace="referrals")),
    path("api/association/", include("missions.referrals.api_urls")),
    path("refer/", include("missions.referrals.public_urls", namespace="refer")),
    # The public catalogue of open missions, for anyone before signing up.
    path("missions/", include("missions.catalogue.urls", namespace="catalogue")),
    path("api/auth/token/", account_views.TokenView.as_view(), name="api-auth-token"),
    path("api/auth/token/revoke/", account_views.TokenRevokeView.as_view(), name="api-auth-token-revoke"),
    path(
        "api/account/push-subscriptions/",
        account_notifications.PushSubscriptionListView.as_view(),
        name="api-push-subscriptions",
    ),
    path(
        "api/account/push-subscriptions/<int:subscription_id>/",
        account_notifications.PushSubscriptionDetailView.as_view(),
        name="api-push-subscription",
    ),
    path(
        "api/account/notification-channels/",
        account_notifications.NotificationChannelsView.as_view(),
        name="api-notification-channels",
    ),
    path("alerts/", include("missions.alerts.urls", namespace="alerts")),
    path("visits/", include("missions.visits.urls", namespace="visits")),
    path("api/alerts/", include("missions.alerts.api_urls", namespace="alerts_api")),
    path("matching/", include("missions.matching.urls", namespace="matching")),
    # The paid "heures de lien social" of APA plans, delivered by home-care services.
    path("lien-social/", include("missions.liensocial.urls", namespace="liensocial")),
    path("api/lien-social/", include("missions.liensocial.api_urls")),
    path("api/matching/", include("missions.matching.api_urls", namespace="matching_api")),
    # Rights of the people in the files (exports, erasure, the processing register).
    path("", include("missions.privacy.urls", namespace="privacy")),
    path("api/", include("missions.privacy.api_urls")),
    # Outcomes: reassessments due, the volunteer's certificate of hours and its public check.
    path("", include("missions.outcomes.urls", namespace="outcomes")),
    path("api/", include("missions.outcomes.api_urls")),
]
