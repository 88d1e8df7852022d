"""Applies the account-security policy to every signed-in request."""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from .policy import forget_memberships, has_short_session, mfa_setup_pending, remember_for_request

# Where someone who still has to set up two-factor authentication may go: the setup pages
# (every allauth.mfa page is named "mfa_..."), the password check they ask for first, sign-out
# and the language switch; and the web app's plumbing, which the service worker fetches on its
# own and which shows nothing of a role (liens.pwa; the offline list is empty until set up). A
# redirect there would send the worker to the setup page, whose visit draws a new secret.
SETUP_URL_NAMES = {
    "account_logout",
    "account_reauthenticate",
    "set_language",
    "manifest",
    "service_worker",
    "offline",
    "offline_list",
}
STAFF_SESSION_KEY = "liens_staff_session_until"


def _may_reach_during_setup(request) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return True  # a 404 shows nothing
    name = match.url_name or ""
    return name.startswith("mfa_") or name in SETUP_URL_NAMES


def cap_staff_session(request, user) -> None:
    """End a staff member's session LIENS_STAFF_SESSION_AGE after sign-in, not after the last
    click: an absolute end, fixed once per session and restored if something else moved it."""
    if not has_short_session(user):
        return
    until = request.session.get(STAFF_SESSION_KEY)
    if until is None:
        until = (timezone.now() + settings.LIENS_STAFF_SESSION_AGE).isoformat()
        request.session[STAFF_SESSION_KEY] = until
    # Django stores a datetime expiry as its ISO string: equal means nothing to write.
    if request.session.get("_session_expiry") != until:
        request.session.set_expiry(datetime.fromisoformat(until))


@receiver(user_logged_in, dispatch_uid="liens.accounts.cap_staff_session")
def _cap_on_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        cap_staff_session(request, user)


class AccountSecurityMiddleware:
    """A platform admin or manager without two-factor authentication reaches only its setup
    pages until it is set up; staff sessions keep their short, absolute end.

    Checked on every request rather than once at sign-in, so sessions opened before the rule
    existed, or before someone became manager, are held to it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if not signed_in:
            return self._call(request, user, signed_in)
        # The account has just been read (is_authenticated): the request keeps it rather than
        # AuthenticationMiddleware's lazy wrapper, through which each of the page's reads of it
        # (its menu, scope, permissions, templates: about 90) passes with two Python calls.
        user = request.user = getattr(user, "_wrapped", user)
        # The user's memberships are read once for the whole request (policy.staff_memberships),
        # and forgotten when its answer is out.
        remember_for_request(user)
        try:
            return self._call(request, user, signed_in)
        finally:
            forget_memberships(user)

    def _call(self, request, user, signed_in: bool):
        # The policy first: it is remembered for the request (the menu asks it too), while the
        # path check resolves the URL once more.
        if signed_in and mfa_setup_pending(user) and not _may_reach_during_setup(request):
            return self._send_to_setup(request)
        response = self.get_response(request)
        # After the view, which may have just signed someone in: allauth's "remember me" sets
        # the session's expiry after signing in, so the staff end is laid (back) on here.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            cap_staff_session(request, user)
        return response

    def _send_to_setup(self, request):
        message = _("Your role requires two-factor authentication. Set up an authenticator app to continue.")
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        messages.warning(request, message)
        return redirect("mfa_activate_totp")
