"""The installable web app: its manifest, its service worker, the page shown offline, and the
rule that no private page outlives a sign-out on the phone.

The service worker (liens/static/liens/sw.js) keeps copies of the pages a view marks with
`offline_page_mark` (header OFFLINE_HEADER) in a cache named after the user's offline key, and
drops every copy the moment the server stops marking the page: the server alone says what a
phone may keep. Signing out answers `Clear-Site-Data`, which empties every cache and storage of
the site on the phone, queued reports and drafts included.
"""

import hashlib
import json
from functools import cache

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.contrib.staticfiles import finders
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .lib.pages import local_path

# A page the phone may keep offline answers with this header, naming whose copy it is.
OFFLINE_HEADER = "Liens-Offline"
# Static files the service worker keeps from its installation on: the layout of every page.
SHELL_ASSETS = (
    "liens/site.css",
    "liens/pwa.js",
    "liens/draft.js",
    "liens/favicon.ico",
    "liens/icon-192.png",
)
ICONS = (
    ("liens/icon-192.png", "192x192", "any"),
    ("liens/icon-512.png", "512x512", "any"),
    ("liens/icon-maskable-512.png", "512x512", "maskable"),
)
THEME_COLOUR = "#0b5e57"
# Set on the phone when the install hint is dismissed: it does not come back on that phone.
INSTALL_HINT_COOKIE = "liens_install_hint"


def offline_key(user) -> str:
    """The name of a user's offline copies on a phone: stable, not the database id, and useless
    to anyone else (it opens nothing). Empty for a visitor, who has no copies."""
    if not user.is_authenticated:
        return ""
    return salted_hmac("liens.pwa.offline_key", str(user.pk)).hexdigest()[:20]


def offline_page_mark(response, user):
    """Marks an answer as one the phone may keep offline, in this user's copies."""
    response[OFFLINE_HEADER] = offline_key(user)
    return response


@require_GET
def manifest(request):
    """The web app manifest, in the user's language, starting where their work is (the page
    they land on after signing in). Fetched with credentials (see _head.html)."""
    start_url = get_adapter(request).get_login_redirect_url(request) if request.user.is_authenticated else "/"
    body = {
        # A stable id: the installed app stays the same whatever page it starts on.
        "id": "/",
        "name": "Liens",
        "short_name": "Liens",
        "description": _("Liens keeps isolated older people in regular, warm contact with volunteers."),
        "lang": request.LANGUAGE_CODE,
        "dir": "ltr",
        "start_url": start_url,
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }
    return JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@cache
def _service_worker_source() -> str:
    """sw.js preceded by its settings: the static files to keep (their hashed names in
    production) and a version that changes with them, so phones install the new worker."""
    with open(finders.find("liens/sw.js"), encoding="utf-8") as file:
        source = file.read()
    config = {
        "shell": [static(path) for path in SHELL_ASSETS],
        "offlinePage": reverse("offline"),
        "offlineHeader": OFFLINE_HEADER,
        # Where a volunteer's phone reads which pages it may keep (missions.volunteer.views.
        # offline_list; a path, not a name to reverse: this app does not know the missions').
        "offlineList": "/volunteer/offline/",
    }
    version = hashlib.sha256((json.dumps(config) + source).encode()).hexdigest()[:12]
    config["version"] = version
    return f"self.LIENS = {json.dumps(config)};\n{source}"


@require_GET
def service_worker(request):
    """The service worker, from the site's root so that it may look after every page. Browsers
    check it for updates at each visit (no-cache) whatever the static files' caching."""
    source = _service_worker_source() if not settings.DEBUG else _service_worker_source.__wrapped__()
    response = HttpResponse(source, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request):
    """What the phone shows for a page it has not kept, with the network cut. No user and no
    private detail: the service worker keeps one copy of it for everyone on the phone."""
    return render(request, "offline.html")


def install_hint_dismissed(request) -> bool:
    """Whether this phone has said no (or done) to the install hint."""
    return request.COOKIES.get(INSTALL_HINT_COOKIE) == "dismissed"


@require_POST
def install_hint_dismiss(request):
    """Hides the install hint on this phone for good (a cookie, kept when signing out: it
    holds nothing personal), then back to the page it was on."""
    response = redirect(local_path(request.POST.get("next")) or "/")
    response.set_cookie(
        INSTALL_HINT_COOKIE,
        "dismissed",
        max_age=5 * 365 * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@receiver(user_logged_out, dispatch_uid="liens.pwa.forget_on_phone")
def _forget_on_phone(sender, request, user, **kwargs):
    # Every way out (the sign-out button, leaving Liens, the admin's) goes through logout().
    if request is not None:
        request.liens_signed_out = True


class ClearSiteDataMiddleware:
    """Answers a sign-out with `Clear-Site-Data`: the phone forgets the site's caches and
    storage (offline pages, queued reports, drafts), so nothing private stays on a shared
    phone. The service worker is told the same by the page (pwa.js), for browsers without it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "liens_signed_out", False):
            response["Clear-Site-Data"] = '"cache", "storage"'
        return response
