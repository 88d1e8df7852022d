"""The alert dashboard's 12-week chart and its table, written in Python once per week rather
than by template filters per bar and per cell (three numbers and a date each: most of the
dashboard's template time). The same HTML as the template wrote: the same formatting
functions the filters call (`unlocalize`, `date`, a number printed in the page's language).

A bar or a row is written once per language (`_bar`, `_row`, kept): the same days and counts
come back on every load of the dashboard within a week, and formatting a date and three
numbers in the page's language cost 50 to 60 µs a week, 1.4 ms a page. The day is each week's
end in the active time zone, worked out before: it is part of the key."""

import functools

from django import template
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()


def _share(percent, within=None, total=None) -> str:
    if percent is None:
        return "–"
    text = f"{localize(percent)} %"
    return text if within is None else f"{text} ({localize(within)}/{localize(total)})"


@functools.lru_cache(maxsize=1024, typed=True)  # 2 and 2.0 are written apart
def _bar(x, y, height, ends_on, percent, language: str) -> str:
    # `language`: the active one, the key of what the formatting writes now.
    return format_html(
        '<rect x="{}" y="{}" width="16" height="{}"><title>{}: {}</title></rect>',
        localize(x, use_l10n=False),
        localize(y, use_l10n=False),
        localize(height, use_l10n=False),
        date_format(ends_on, "j M"),
        _share(percent),
    )


@functools.lru_cache(maxsize=1024, typed=True)  # 2 and 2.0 are written apart
def _row(ends_on, percent, within, total, language: str) -> str:
    return format_html("<tr><td>{}</td><td>{}</td></tr>", date_format(ends_on, "j M Y"), _share(percent, within, total))


@register.filter
def week_bars(numbers):
    """The chart's rectangles (AlertNumbers.bars), each titled with its week's end and share."""
    language = get_language()
    bars = (_bar(b["x"], b["y"], b["height"], b["ends_on"], b["percent"], language) for b in numbers.bars)
    return mark_safe("".join(bars))  # noqa: S308 - each written by format_html


@register.filter
def week_rows(numbers):
    """The chart's table rows: each week's end (the day in local time) and its share, with its
    counts."""
    language = get_language()
    rows = (
        _row(timezone.localdate(week.ends_at), week.percent, week.within, week.total, language)
        for week in numbers.weeks
    )
    return mark_safe("".join(rows))  # noqa: S308 - each written by format_html
