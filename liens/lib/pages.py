"""Small helpers every area's pages share: a path the site may send someone back to, and a
page of a list that keeps the list's filters."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, Window
from django.utils.http import url_has_allowed_host_and_scheme

# What each row of a page counted in its own query carries: the number of rows in the whole list.
_LIST_TOTAL = "list_total"
# A page number no list reaches.
_PAST_ANY_END = 1_000_000


def local_path(url: str | None) -> str | None:
    """`url` when it is a path on this site (never another host: no open redirect), else None."""
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return None


class CompiledRows:
    """A list whose pages are read by a compiled query (liens.lib.compiled), for the lists a page
    shows at every visit: `function(*shape, start, stop, **values)` answers
    `counted(rows)[start:stop]`, where `rows` is the list as its selector defines it. Building
    and compiling such a list's query cost more than reading its page.
    """

    def __init__(self, function, *shape, **values):
        self.function, self.shape, self.values = function, shape, values

    def rows(self, start: int, stop: int) -> list:
        return self.function(*self.shape, start, stop, **self.values)

    def queryset(self):
        """The whole list, for Paginator where one query cannot answer (_page_counted)."""
        return self.function.build(*self.shape, None, None, **self.values)


def counted(rows):
    """`rows` (a queryset), each row carrying `list_total`, the number of rows in the whole list:
    a window count, taken before a slice."""
    return rows.annotate(**{_LIST_TOTAL: Window(Count("pk"))})


def list_page(request, rows, *, size: int) -> tuple[Page, str]:
    """The page of `rows` (a queryset, or CompiledRows) the request asks for, and the request's
    other filters as a query string, for the pager's links to keep them.

    The list's total comes with its page (a window count over the whole list, in the same query)
    rather than from a COUNT query of its own: one query fewer, and the list's filters compiled
    once; Paginator counts apart only where that cannot work (_page_counted).
    """
    number = request.GET.get("page")
    page = _page_counted(rows, number, size)
    if page is None:
        page = Paginator(rows.queryset() if isinstance(rows, CompiledRows) else rows, size).get_page(number)
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
    # Past the end, Paginator answers with the last page; a number past any list's end would
    # otherwise reach the database as an offset it cannot hold.
    if not 1 <= number <= _PAST_ANY_END:
        return None
    start = (number - 1) * size
    if isinstance(rows, CompiledRows):
        items = rows.rows(start, start + size)
    # A window is counted before DISTINCT; a union or a slice takes no annotation.
    elif rows.query.distinct or rows.query.combinator or rows.query.is_sliced:
        return None
    else:
        items = list(counted(rows)[start : start + size])
    if not items and number > 1:
        return None
    # Paginator.count is all the page's links ask of the list: the total answers it.
    paginator = Paginator([], size)
    paginator.count = getattr(items[0], _LIST_TOTAL) if items else 0
    return Page(items, number, paginator)
