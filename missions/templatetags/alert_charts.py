"""The alert dashboard's 12-week chart and its table, written in Python once per week rather
than by template filters per bar and per cell (three numbers and a date each: most of the
dashboard's template time). The same HTML as the template wrote: the same formatting
functions the filters call (`unlocalize`, `date`, a number printed in the page's language)."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.html import format_html_join

register = template.Library()


def _share(percent, within=None, total=None) -> str:
    if percent is None:
        return "–"
    text = f"{localize(percent)} %"
    return text if within is None else f"{text} ({localize(within)}/{localize(total)})"


@register.filter
def week_bars(numbers):
    """The chart's rectangles (AlertNumbers.bars), each titled with its week's end and share."""
    return format_html_join(
        "",
        '<rect x="{}" y="{}" width="16" height="{}"><title>{}: {}</title></rect>',
        (
            (
                localize(bar["x"], use_l10n=False),
                localize(bar["y"], use_l10n=False),
                localize(bar["height"], use_l10n=False),
                date_format(bar["ends_on"], "j M"),
                _share(bar["percent"]),
            )
            for bar in numbers.bars
        ),
    )


@register.filter
def week_rows(numbers):
    """The chart's table rows: each week's end (in local time) and its share, with its counts."""
    return format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td></tr>",
        (
            (
                date_format(timezone.template_localtime(week.ends_at), "j M Y"),
                _share(week.percent, week.within, week.total),
            )
            for week in numbers.weeks
        ),
    )
