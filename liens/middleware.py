"""Response headers the whole site shares: what a browser may use, and what it may keep.

The Content-Security-Policy comes from django-csp (settings.CONTENT_SECURITY_POLICY); HSTS and
the HTTPS redirect from Django's SecurityMiddleware. The two pieces Django has no setting for
live here.
"""

from django.conf import settings
from django.utils.cache import patch_cache_control


class PermissionsPolicyMiddleware:
    """Sends settings.PERMISSIONS_POLICY: the browser features no page of the site may use."""

    def __init__(self, get_response):
        self.get_response = get_response
        policy = settings.PERMISSIONS_POLICY
        self.header = ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


def response_is_private(request) -> bool:
    """Whether an answer may hold private details, so no browser or proxy may keep a copy.

    Anything shown to a signed-in user; every API answer (a token authenticates there, which
    this middleware cannot see: DRF authenticates inside the view); and anything reached
    through a link that carries a token (invitation, "I can't come", calendar feed), where the
    token is the key and the page is what it opens.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    if request.path_info.startswith(settings.PRIVATE_PATH_PREFIXES):
        return True
    match = getattr(request, "resolver_match", None)
    return bool(match and "token" in match.kwargs)


class PrivateNoStoreMiddleware:
    """`Cache-Control: private, no-store` on every private answer (see response_is_private).

    It sits after AuthenticationMiddleware, and WhiteNoise answers static files before either
    of them runs, so static files keep their long-lived caching. Anonymous public pages (home,
    mission catalogue, sign-in) stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response_is_private(request):
            # patch_cache_control drops a "public" a view may have set; private wins.
            patch_cache_control(response, private=True, no_store=True)
        return response
