"""Small helpers every area's pages share: a path the site may send someone back to, and a
page of a list that keeps the list's filters."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, Window
from django.utils.http import url_has_allowed_host_and_scheme

# What each row of a page counted in its own query carries: the number of rows in the whole list.
_LIST_TOTAL = "list_total"


def local_path(url: str | None) -> str | None:
    """`url` when it is a path on this site (never another host: no open redirect), else None."""
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return None


def list_page(request, rows, *, size: int) -> tuple[Page, str]:
    """The page of `rows` (a queryset) the request asks for, and the request's other filters as
    a query string, for the pager's links to keep them.

    The list's total comes with its page (a window count over the whole list, in the same query)
    rather than from a COUNT query of its own: one query fewer, and the list's filters compiled
    once; Paginator counts apart only where that cannot work (_page_counted).
    """
    number = request.GET.get("page")
    page = _page_counted(rows, number, size)
    if page is None:
        page = Paginator(rows, size).get_page(number)
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _page_counted(rows, number, size: int) -> Page | None:
    """Page `number` of `rows` and the list's total, in one query; None when Paginator.get_page
    must answer instead (a page number that is not a whole number from 1, or past the end: it
    falls back to the first or last page, which only the count tells)."""
    try:
        number = int(number or 1)
    except (TypeError, ValueError):
        return None
    # A window is counted before DISTINCT; a union or a slice takes no annotation.
    if number < 1 or rows.query.distinct or rows.query.combinator or rows.query.is_sliced:
        return None
    start = (number - 1) * size
    items = list(rows.annotate(**{_LIST_TOTAL: Window(Count("pk"))})[start : start + size])
    if not items and number > 1:
        return None
    paginator = Paginator(rows, size)
    # Paginator.count is a cached property: the total the page brought answers it.
    paginator.count = getattr(items[0], _LIST_TOTAL) if items else 0
    return Page(items, number, paginator)
