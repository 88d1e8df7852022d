"""reverse(), once per pattern: the address of object 17 is the address of any other object with
17 put in its place.

A list page links each of its rows to the row's object, and every page's menu to the same few
places: reversing anew for each (resolver lookup, converters, a regular expression check,
quoting) costs tens of reversals a page. `cached_reverse` reverses a pattern once per process
with a marker where the id goes, and then puts each id where the marker is. Only what takes
that way unchanged does: no argument, or one whole number that is not negative (what an `int`
converter accepts and writes as itself). Anything else is reversed as `reverse` does.
"""

from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# Stands for the id in the reversed address: a number no table reaches.
_MARKER = 9_070_605_040_302_010
_SHAPES: dict[tuple, tuple[str, str] | str | None] = {}


def _shape(name: str, with_id: bool, current_app: str | None):
    """The address of `name` (a string), or its two sides of the id; None when the id is not
    written once as it is. Keyed by what reverse depends on: the URL patterns (a changed
    ROOT_URLCONF, or clear_url_caches, gives a new resolver), the script prefix, the current
    application (instance namespaces) and the language (translated patterns)."""
    key = (get_resolver(get_urlconf()), get_script_prefix(), get_language(), current_app, name, with_id)
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


def cached_reverse(name: str, args=(), current_app: str | None = None) -> str:
    """reverse(name, args=args, current_app=current_app), reversing each pattern once."""
    if not args:
        return _shape(name, False, current_app)
    if len(args) == 1 and type(args[0]) is int and args[0] >= 0:
        shape = _shape(name, True, current_app)
        if shape is not None:
            return f"{shape[0]}{args[0]}{shape[1]}"
    return reverse(name, args=args, current_app=current_app)
