"""Template filters of match conversations, for the lists that show an unread badge."""

from django import template

register = template.Library()


@register.filter
def unread_of(counts: dict | None, match_id: int) -> int:
    """Unread messages of one match in the counts a list read in one query (selectors.unread_counts)."""
    return (counts or {}).get(match_id, 0)
