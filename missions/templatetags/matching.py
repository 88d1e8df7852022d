"""Template tags of the matching engine, for partials included by other areas' pages."""

from django import template

from missions.matching.selectors import MATCH_ROW_FIELDS, reviews_due

register = template.Library()


@register.simple_tag
def matching_reviews_due(association_ids, limit: int = 10):
    """Active matches whose review is due within a week (or late), for these associations."""
    if association_ids is None:
        return []
    return list(reviews_due(association_ids=list(association_ids)).only(*MATCH_ROW_FIELDS)[:limit])
