"""Template filters of match conversations, for the lists that show an unread badge."""

from django import template
from django.utils.html import format_html
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def unread_of(counts: dict | None, match_id: int) -> int:
    """Unread messages of one match in the counts a list read in one query (selectors.unread_counts)."""
    return (counts or {}).get(match_id, 0)


@register.filter
def unread_badge(counts: dict | None, match_id: int) -> str:
    """The badge of a match's unread messages, after a space; nothing when there are none. The
    Django templates' filter and the Jinja2 partials' function (settings.TEMPLATES)."""
    count = unread_of(counts, match_id)
    if not count:
        return ""
    text = ngettext("%(counter)s new message", "%(counter)s new messages", count) % {"counter": count}
    return format_html(' <span class="badge unread">{}</span>', text)
