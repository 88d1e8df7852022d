"""Core pages: home, health and the API docs."""

from csp.decorators import csp_update
from django.http import JsonResponse
from django.shortcuts import render
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


def not_found(request, exception=None):
    """404 for a URL nothing answers: JSON under /api/, as every API answer is; the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)
