"""Template filters for outcomes: a trend's chart and its summary in words (missions.outcomes.trends)."""

from django import template

from missions.outcomes import trends

register = template.Library()


@register.filter
def trend_chart(trend, chart_id: str):
    """The trend's SVG line chart; `chart_id` keeps its ids unique on the page."""
    return trends.chart(trend, chart_id=str(chart_id))


@register.filter
def trend_summary(trend) -> str:
    return trends.summary(trend)


@register.filter
def trend_direction(trend) -> str:
    return trends.direction_text(trend)


@register.filter
def trend_threshold(trend) -> str:
    return trends.threshold_text(trend)
