"""Where a newcomer was going when they signed up (a mission of the public catalogue, say): the
sign-up's `next` rides in the verification link, so it survives a mail app opening the link in a
browser of its own, is kept in the session through the wizard, and opens once the profile is
ready. Only a path of this site is ever kept (no open redirect)."""

from urllib.parse import urlencode

from liens.lib.pages import local_path

SESSION_KEY = "volunteer_destination"


def destination_of(request) -> str | None:
    """The safe `next` the request carries (the sign-up form posts it; the link has it in its query)."""
    if request is None:
        return None
    return local_path(request.POST.get("next") or request.GET.get("next"))


def destination_query(request) -> str:
    """The link's query that carries the request's destination on ("" when there is none)."""
    destination = destination_of(request)
    return "?" + urlencode({"next": destination}) if destination else ""


def destination_remember(request, url: str | None) -> None:
    if local_path(url):
        request.session[SESSION_KEY] = url


def destination_pop(request) -> str | None:
    """The kept destination, forgotten once read."""
    return local_path(request.session.pop(SESSION_KEY, None))
