"""A person's trend in words and as a chart: what the person's page, the API and (later) the
activity report say about scores over time. Pure functions of a ScaleTrend."""

from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from liens.lib import svgchart

from .selectors import ScaleTrend


def _day(day) -> str:
    """12 March 2026 / 12 mars 2026: unambiguous in either language (French "M" abbreviates
    both June and July to "jui")."""
    return formats.date_format(day, "j F Y")


def meaning(trend: ScaleTrend) -> str:
    """What the change from first to last score means, in the scale's direction."""
    if trend.direction == "same":
        return _("no change")
    if trend.facts.higher_is_worse:
        return _("less lonely") if trend.direction == "better" else _("lonelier")
    return _("a wider network") if trend.direction == "better" else _("a narrower network")


def summary(trend: ScaleTrend) -> str:
    """ "From 7 to 5 on UCLA-3, less lonely." — or the one score there is."""
    scale = trend.facts.short_name
    if trend.change is None:
        return _("One score so far: %(score)s on %(scale)s, on %(day)s.") % {
            "score": trend.first.score,
            "scale": scale,
            "day": _day(trend.first.taken_on),
        }
    return _("From %(first)s to %(last)s on %(scale)s, %(meaning)s.") % {
        "first": trend.first.score,
        "last": trend.last.score,
        "scale": scale,
        "meaning": meaning(trend),
    }


def direction_text(trend: ScaleTrend) -> str:
    if trend.facts.higher_is_worse:
        return _("higher = lonelier")
    return _("higher = wider network")


def threshold_text(trend: ScaleTrend) -> str:
    facts = trend.facts
    if facts.higher_is_worse:
        return _("lonely from %(score)s") % {"score": facts.threshold}
    return _("isolated below %(score)s") % {"score": facts.threshold}


def description(trend: ScaleTrend) -> str:
    """Every figure of the chart in words, for its <desc> (read by screen readers)."""
    facts = trend.facts
    values = "; ".join(f"{_day(point.taken_on)}: {point.score}" for point in trend.points)
    return _("Scores from %(minimum)s to %(maximum)s (%(direction)s; %(threshold)s): %(values)s. %(summary)s") % {
        "minimum": facts.minimum,
        "maximum": facts.maximum,
        "direction": direction_text(trend),
        "threshold": threshold_text(trend),
        "values": values,
        "summary": summary(trend),
    }


def chart(trend: ScaleTrend, *, chart_id: str) -> SafeString:
    """The trend as a line chart with the scale's threshold (liens.lib.svgchart)."""
    facts = trend.facts
    return svgchart.line_chart(
        [svgchart.Point(label=_day(point.taken_on), value=point.score) for point in trend.points],
        chart_id=chart_id,
        title=_("%(scale)s over time") % {"scale": trend.label},
        description=description(trend),
        minimum=facts.minimum,
        maximum=facts.maximum,
        threshold=facts.threshold,
        threshold_label=threshold_text(trend),
    )
