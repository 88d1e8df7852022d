"""reverse(), once per pattern: the address of object 17 is the address of any other object with
17 put in its place.

A list page links each of its rows to the row's object, and every page's menu to the same few
places: reversing anew for each (resolver lookup, converters, a regular expression check,
quoting) costs tens of reversals a page. `cached_reverse` reverses a pattern once per process
with a marker where the id goes, and then puts each id where the marker is. Only what takes
that way unchanged does: no argument, or one whole number that is not negative (what an `int`
converter accepts and writes as itself). Anything else is reversed as `reverse` does.

Within a request, what a shape depends on is read once: the URL patterns and the script
prefix are set when the request starts (this site sets no `request.urlconf`), so each
request remembers its shapes by name and language alone. Reading the patterns, prefix and
language from their thread-locals costs about 4 µs, more than the rest of an address, and a
staff list writes a hundred addresses. Outside a request (tasks, commands, tests calling it
directly) every call reads them.
"""

from contextvars import ContextVar

from django.core.signals import request_finished, request_started
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# Stands for the id in the reversed address: a number no table reaches.
_MARKER = 9_070_605_040_302_010
_SHAPES: dict[tuple, tuple[str, str] | str | None] = {}
# The current request's shapes, by (language, current application, name, with an id); None
# outside a request.
_REQUEST_SHAPES: ContextVar[dict | None] = ContextVar("liens_request_url_shapes", default=None)


def _request_started(**kwargs) -> None:
    _REQUEST_SHAPES.set({})


def _request_finished(**kwargs) -> None:
    _REQUEST_SHAPES.set(None)


# dispatch_uid: connected once however often the module is reloaded.
request_started.connect(_request_started, dispatch_uid="liens.lib.urls.request_started")
request_finished.connect(_request_finished, dispatch_uid="liens.lib.urls.request_finished")


def _shape(name: str, with_id: bool, current_app: str | None, language: str | None = None):
    """The address of `name` (a string), or its two sides of the id; None when the id is not
    written once as it is. Keyed by what reverse depends on: the URL patterns (a changed
    ROOT_URLCONF, or clear_url_caches, gives a new resolver), the script prefix, the current
    application (instance namespaces) and the language (translated patterns)."""
    language = language or get_language()
    request_shapes = _REQUEST_SHAPES.get()
    if request_shapes is None:
        return _process_shape(name, with_id, current_app, language)
    request_key = (language, current_app, name, with_id)
    try:
        return request_shapes[request_key]
    except KeyError:
        shape = request_shapes[request_key] = _process_shape(name, with_id, current_app, language)
        return shape


def _process_shape(name: str, with_id: bool, current_app: str | None, language: str | None):
    key = (get_resolver(get_urlconf()), get_script_prefix(), language, current_app, name, with_id)
    try:
        return _SHAPES[key]
    except KeyError:
        pass
    if with_id:
        shape = None
        try:
            parts = reverse(name, args=[_MARKER], current_app=current_app).split(str(_MARKER))
        except NoReverseMatch:  # the pattern takes no whole number: reverse says why at each call
            parts = []
        if len(parts) == 2:
            shape = (parts[0], parts[1])
            # A converter that writes a number otherwise (padded, encoded) or refuses small
            # ones would not take the marker's way: such a pattern is reversed at each call.
            for probe in (0, 17):
                try:
                    if reverse(name, args=[probe], current_app=current_app) != f"{parts[0]}{probe}{parts[1]}":
                        shape = None
                except NoReverseMatch:
                    shape = None
    else:
        shape = reverse(name, current_app=current_app)
    _SHAPES[key] = shape
    return shape


def cached_reverse(name: str, args=(), current_app: str | None = None, *, language: str | None = None) -> str:
    """reverse(name, args=args, current_app=current_app), reversing each pattern once.

    `language`, when given, is the active one, read by the caller once for many addresses (a
    list's rows, liens.jinja.bound_to_active) rather than here for each."""
    if not args:
        return _shape(name, False, current_app, language)
    if len(args) == 1 and type(args[0]) is int and args[0] >= 0:
        shape = _shape(name, True, current_app, language)
        if shape is not None:
            return f"{shape[0]}{args[0]}{shape[1]}"
    return reverse(name, args=args, current_app=current_app)
