"""The Jinja2 environment of the partials a page repeats: a long list's rows, a form's fields,
and the association home's page, the busiest of the staff pages.

Django's template language costs about 5 to 10 µs per tag or variable; a staff list's row of
forty of them, twenty rows a page, was a third to a half of the page's time. Jinja2 compiles a
template to Python once: the same rows render in 60 to 90 % of the time (benchmark pages in
the README), what is left being mostly the rows' own Python (labels, translations, addresses).
Only those partials are Jinja2 (under an app's `jinja2/` folder); every other template stays
Django's, and a Django template includes one of them with `{% include_jinja %}`
(liens.templatetags.jinja). A partial keeps one file for the page and for the htmx swap of its
row: `render()` finds it with the Jinja2 backend.

What these templates are given, so they read as Django's do:
- `_("...")`: Django's gettext (the catalogue's msgids; `make messages` finds `{{ _("...") }}`
  as it does in a Django template), formatted with `|format(name=value)`;
- `url(name, *args)`: the address, through liens.lib.urls.cached_reverse;
- `label(row, "status")`: what `row.get_status_display()` answers (liens.lib.labels);
- the `date` and `time` filters: Django's, on the moment in the current time zone, as a Django
  template converts it before its filters see it (what they write is kept per moment, format,
  language and zone); `timesince`, Django's;
- the functions settings.TEMPLATES names in the backend's `functions` option.
"""

import functools

from django.template import defaultfilters
from django.utils.module_loading import import_string
from django.utils.timezone import get_current_timezone_name, template_localtime
from django.utils.translation import get_language, gettext, ngettext, trans_real
from jinja2 import Environment, pass_context

from liens.lib.labels import label, label_in
from liens.lib.urls import cached_reverse


def url(name: str, *args) -> str:
    return cached_reverse(name, list(args))


def _url_in(language: str, name: str, *args) -> str:
    return cached_reverse(name, list(args), language=language)


# Where bound_to_active leaves the active (language, time zone name) in a render's context.
_LOCALE = "_liens_locale"


def bound_to_active() -> dict:
    """What a render's context needs so that its partials ask the active language and time zone
    once, not at every string, address, label and date: each reading of either costs 2 to 4 µs (a
    thread- and task-local), and a list of forty rows asks hundreds. Given to every partial a
    Django template includes (liens.templatetags.jinja); nothing changes the language or zone in
    the middle of a partial. Without it (a partial rendered alone), each asks as it goes.

    `_` and `gettext` are the active catalogue's own: Django's gettext finds that catalogue and
    asks it, and the partials give it only literal, single-line msgids; `label` asks it too."""
    language = get_language()
    if language is None:  # translations deactivated: every call asks Django, as without this
        return {}
    catalogue = trans_real.translation(language)  # the one activate(language) made active
    return {
        "_": catalogue.gettext,
        "gettext": catalogue.gettext,
        "url": functools.partial(_url_in, language),
        "label": functools.partial(label_in, catalogue),
        _LOCALE: (language, get_current_timezone_name()),
    }


def date(value, arg=None) -> str:
    return _formatted(defaultfilters.date, value, arg, None)


def time(value, arg=None) -> str:
    return _formatted(defaultfilters.time, value, arg, None)


# The filters: the language and zone the render's context holds, when bound_to_active gave them.
@pass_context
def _date_filter(context, value, arg=None) -> str:
    return _formatted(defaultfilters.date, value, arg, context.get(_LOCALE))


@pass_context
def _time_filter(context, value, arg=None) -> str:
    return _formatted(defaultfilters.time, value, arg, context.get(_LOCALE))


def _formatted(format_filter, value, arg, locale: tuple[str, str] | None) -> str:
    """What Django's filter writes of the moment in the current time zone and language. A list
    shows the same moments at every visit, and each costs 25 to 40 µs to write (day and month
    names looked up in the catalogue): they are kept, by moment, format, language and zone."""
    language, zone = locale or (get_language(), get_current_timezone_name())
    try:
        return _format_kept(format_filter, value, arg, language, zone)
    except TypeError:  # a value that cannot be a key (unhashable): written each time
        return format_filter(template_localtime(value), arg)


@functools.lru_cache(maxsize=4096)
def _format_kept(format_filter, value, arg, language: str, zone: str) -> str:
    # `language` and `zone` are the active ones, the key of what the filter writes now.
    return format_filter(template_localtime(value), arg)


def environment(*, functions: dict[str, str] | None = None, **options) -> Environment:
    """The backend's environment; `functions` (settings.TEMPLATES' OPTIONS) names by their
    dotted paths the other functions the partials call."""
    # Every value escaped, as in Django's templates, whatever the backend's options say.
    options.pop("autoescape", None)
    env = Environment(**options, autoescape=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(gettext, ngettext, newstyle=False)
    env.globals["url"] = url
    env.globals["label"] = label
    env.globals.update({name: import_string(path) for name, path in (functions or {}).items()})
    env.filters.update(date=_date_filter, time=_time_filter, timesince=defaultfilters.timesince_filter)
    return env
