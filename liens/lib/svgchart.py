"""Small charts drawn on the server as SVG markup: no JavaScript, no build step, no CDN.

Pure functions: figures in, a SafeString of one `<svg>` element out. Every piece of text that
reaches the markup (title, description, labels) is escaped here, so a caller may pass a
person's name or a label typed by someone else. The drawing scales with its container through
its viewBox (a phone 360 px wide shows it whole); colours are presentation attributes and
classes, never `style=` (the Content-Security-Policy forbids inline styles).

Accessible by construction: role="img", a <title> and a <desc> the caller fills with the
figures in words, referenced by aria-labelledby; each point also carries its own <title>.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Point:
    label: str  # shown under the axis for the first and last point, and in the point's tooltip
    value: float


# Drawing units of the viewBox; the svg element itself is as wide as its container.
WIDTH, HEIGHT = 320, 170
LEFT, RIGHT, TOP, BOTTOM = 30, 14, 22, 28
# Points stand this far inside the plot, so the first and last values are not cut by its edges.
INSET = 18
# The site's colours (site.css), so a chart reads like the page around it.
INK, MUTED, ACCENT, WARN = "#1d2433", "#4a5468", "#0b5e57", "#8a3b00"


def _number(value: float) -> str:
    """A figure as short text: 7, 7.5 (never 7.0 or 7.4999999)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _coordinate(value: float) -> str:
    return f"{value:.1f}"


def line_chart(
    points: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    description: str,
    minimum: float,
    maximum: float,
    threshold: float | None = None,
    threshold_label: str = "",
) -> SafeString:
    """A line through `points` (oldest first) on a fixed scale from `minimum` to `maximum`.

    `chart_id` makes the ids of the title and description unique on the page (it is reduced to
    letters, digits and dashes). A dashed line marks `threshold` when given, with its label.
    A single point is drawn as a dot. Values outside the scale are drawn at its edge.
    """
    if maximum <= minimum:
        raise ValueError("maximum must be above minimum")
    safe_id = "".join(c for c in chart_id if c.isalnum() or c == "-") or "chart"
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        value = min(max(value, minimum), maximum)
        return TOP + plot_h * (maximum - value) / (maximum - minimum)

    def x(index: int) -> float:
        if len(points) == 1:
            return LEFT + plot_w / 2
        return LEFT + INSET + (plot_w - 2 * INSET) * index / (len(points) - 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="line-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-labelledby="{safe_id}-title {safe_id}-desc" '
        f'font-family="sans-serif" font-size="14">',
        f'<title id="{safe_id}-title">{escape(title)}</title>',
        f'<desc id="{safe_id}-desc">{escape(description)}</desc>',
        # Axes: the scale's bottom and top, labelled with their values.
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="{INK}" stroke-width="1"/>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="{INK}" '
        f'stroke-width="1"/>',
        f'<text x="{LEFT - 4}" y="{_coordinate(y(maximum) + 4)}" text-anchor="end" fill="{MUTED}">'
        f"{escape(_number(maximum))}</text>",
        f'<text x="{LEFT - 4}" y="{_coordinate(y(minimum))}" text-anchor="end" fill="{MUTED}">'
        f"{escape(_number(minimum))}</text>",
    ]
    if threshold is not None and minimum <= threshold <= maximum:
        ty = _coordinate(y(threshold))
        # The label is the line's tooltip; the text beside the chart says it for everyone.
        parts.append(
            f'<line class="threshold" x1="{LEFT}" y1="{ty}" x2="{WIDTH - RIGHT}" y2="{ty}" stroke="{WARN}" '
            f'stroke-width="1.5" stroke-dasharray="5 4"><title>{escape(threshold_label)}</title></line>'
        )
        parts.append(
            f'<text x="{LEFT - 4}" y="{_coordinate(y(threshold) + 4)}" text-anchor="end" fill="{WARN}">'
            f"{escape(_number(threshold))}</text>"
        )
    if len(points) > 1:
        path = " ".join(f"{_coordinate(x(i))},{_coordinate(y(p.value))}" for i, p in enumerate(points))
        parts.append(f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="2.5"/>')
    for i, point in enumerate(points):
        parts.append(
            f'<circle cx="{_coordinate(x(i))}" cy="{_coordinate(y(point.value))}" r="4" fill="{ACCENT}">'
            f"<title>{escape(point.label)}: {escape(_number(point.value))}</title></circle>"
        )
        # The value above each point: a few points at most on a person's chart.
        parts.append(
            f'<text x="{_coordinate(x(i))}" y="{_coordinate(y(point.value) - 8)}" text-anchor="middle" '
            f'fill="{INK}" font-weight="bold" font-size="15">{escape(_number(point.value))}</text>'
        )
    # The first and last labels under the axis (the text beside the chart lists every one).
    if points:
        anchor = "middle" if len(points) == 1 else "start"
        parts.append(
            f'<text x="{_coordinate(x(0) if len(points) == 1 else LEFT)}" y="{HEIGHT - 8}" text-anchor="{anchor}" '
            f'fill="{MUTED}" font-size="13">{escape(points[0].label)}</text>'
        )
        if len(points) > 1:
            parts.append(
                f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end" fill="{MUTED}" font-size="13">'
                f"{escape(points[-1].label)}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()


# Horizontal bars: one row per figure, its label above the bar and its value at the bar's end.
BAR_ROW, BAR_THICKNESS, BAR_LABEL_GAP = 40, 16, 18
# The longest label drawn whole across the chart's width; a longer one is cut with an ellipsis
# (its bar's tooltip, the description and the table beside the chart carry it whole).
BAR_LABEL_CHARS = 40


def _short(label: str) -> str:
    return label if len(label) <= BAR_LABEL_CHARS else label[: BAR_LABEL_CHARS - 1].rstrip() + "…"


def bar_chart(bars: Sequence[Point], *, chart_id: str, title: str, description: str, value_text=None) -> SafeString:
    """Horizontal bars for `bars` (in the order given) on one scale from 0 to the largest value.

    For counts and hours by kind; a phone 360 px wide reads each label whole, since labels sit
    above their bars rather than beside them. No bars: an empty chart with its title and
    description (the text beside it says "nothing in this period"). `value_text` writes a value
    (default 7.5), e.g. in the reader's language (7,5)."""
    safe_id = "".join(c for c in chart_id if c.isalnum() or c == "-") or "chart"
    value_text = value_text or _number
    top = max((bar.value for bar in bars), default=0) or 1
    height = max(1, len(bars)) * BAR_ROW + 8
    plot_w = WIDTH - 2 * 4 - 48  # room at the right for the longest value
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{safe_id}-title {safe_id}-desc" '
        f'font-family="sans-serif" font-size="14">',
        f'<title id="{safe_id}-title">{escape(title)}</title>',
        f'<desc id="{safe_id}-desc">{escape(description)}</desc>',
    ]
    for index, bar in enumerate(bars):
        y = index * BAR_ROW + 4
        width = max(0.0, plot_w * bar.value / top)
        parts.append(f'<text x="4" y="{y + 14}" fill="{INK}">{escape(_short(bar.label))}</text>')
        parts.append(
            f'<rect x="4" y="{y + BAR_LABEL_GAP}" width="{_coordinate(width)}" height="{BAR_THICKNESS}" '
            f'fill="{ACCENT}"><title>{escape(bar.label)}: {escape(value_text(bar.value))}</title></rect>'
        )
        parts.append(
            f'<text x="{_coordinate(4 + width + 6)}" y="{y + BAR_LABEL_GAP + 13}" fill="{INK}" '
            f'font-weight="bold">{escape(value_text(bar.value))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()
