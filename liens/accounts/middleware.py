"""Applies the account-security policy to every signed-in request."""

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from .policy import has_short_session, mfa_setup_pending

# Where someone who still has to set up two-factor authentication may go: the setup pages
# (every allauth.mfa page is named "mfa_..."), the password check they may ask for, sign-out
# and the language switch.
SETUP_URL_NAMES = {"account_logout", "account_reauthenticate", "set_language"}
STAFF_SESSION_KEY = "liens_staff_session_until"


def _may_reach_during_setup(request) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return True  # a 404 shows nothing
    name = match.url_name or ""
    return name.startswith("mfa_") or name in SETUP_URL_NAMES


class AccountSecurityMiddleware:
    """Staff sessions end LIENS_STAFF_SESSION_AGE after sign-in; a platform admin or manager
    without two-factor authentication reaches only its setup pages until it is set up.

    Checked on every request rather than once at sign-in, so sessions opened before the rule
    existed, or before someone became manager, are held to it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._cap_staff_session(request, user)
            if not _may_reach_during_setup(request) and mfa_setup_pending(user):
                return self._send_to_setup(request)
        return self.get_response(request)

    def _cap_staff_session(self, request, user) -> None:
        # An absolute end, set once: allauth's "remember me" sets a 14-day expiry while
        # signing in, so the cap is laid on the first request after that.
        if STAFF_SESSION_KEY in request.session or not has_short_session(user):
            return
        until = timezone.now() + settings.LIENS_STAFF_SESSION_AGE
        request.session.set_expiry(until)
        request.session[STAFF_SESSION_KEY] = until.isoformat()

    def _send_to_setup(self, request):
        message = _("Your role requires two-factor authentication. Set up an authenticator app to continue.")
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        messages.warning(request, message)
        return redirect("mfa_activate_totp")
