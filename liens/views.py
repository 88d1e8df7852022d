"""Core pages: home, health, the API docs, the favicon and the error pages."""

from csp.decorators import csp_update
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found
from drf_spectacular.views import SpectacularSwaggerSplitView

from .selectors import health_check


@require_GET
def home(request):
    return render(request, "home.html")


@require_GET
@never_cache
def healthz(request):
    """JSON health of the database, broker and job loop; 503 when any part is down."""
    health = health_check()
    return JsonResponse({"ok": health.ok, "checks": health.checks}, status=200 if health.ok else 503)


# Swagger UI draws its icons as data: images; nothing else of the site's policy is loosened.
@method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")
class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served as a file, not inline, for the CSP."""

    template_name = "api/docs.html"


@require_GET
def favicon(request):
    """Browsers ask /favicon.ico whatever the page says: send them to the static file."""
    return HttpResponseRedirect(static("liens/favicon.ico"))


# --- error pages ------------------------------------------------------------------------------
# Under /api/ every answer is JSON, errors too; elsewhere a page in the site's layout and the
# user's language (LocaleMiddleware has chosen it before the view ran), with a way back.


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """404 for a URL nothing answers: JSON under /api/, as every API answer is; the page elsewhere."""
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)


def forbidden(request, exception=None):
    """403: the page in the site's layout (with the menu: the user is known), JSON under /api/."""
    if _is_api(request):
        return JsonResponse({"detail": _("You do not have permission to perform this action.")}, status=403)
    return render(request, "403.html", status=403)


def bad_request(request, exception=None):
    """400 (a request Django refused before any view, e.g. a forged host): rendered without the
    request's context, which is what was wrong."""
    if _is_api(request):
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    return _standalone(request, "400.html", 400)


def server_error(request):
    """500: rendered without context processors or the database, which may be what failed."""
    if _is_api(request):
        return JsonResponse({"detail": _("A server error occurred.")}, status=500)
    return _standalone(request, "500.html", 500)


def csrf_failure(request, reason=""):
    """The form's security token was missing or stale (a page left open for long, cookies off):
    say how to try again, keep the menu; JSON under /api/."""
    if _is_api(request):
        return JsonResponse({"detail": _("CSRF check failed: reload and try again.")}, status=403)
    return render(request, "403_csrf.html", status=403)


def _standalone(request, template_name: str, status: int):
    return HttpResponse(loader.get_template(template_name).render({"request_path": request.path}), status=status)
