"""Small helpers every area's pages share: a path the site may send someone back to, and a
page of a list that keeps the list's filters."""

from django.core.paginator import Page, Paginator
from django.utils.http import url_has_allowed_host_and_scheme


def local_path(url: str | None) -> str | None:
    """`url` when it is a path on this site (never another host: no open redirect), else None."""
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return None


def list_page(request, rows, *, size: int) -> tuple[Page, str]:
    """The page of `rows` the request asks for, and the request's other filters as a query
    string, for the pager's links to keep them."""
    page = Paginator(rows, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
