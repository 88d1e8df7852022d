"""Template tags of the matching engine, for partials included by other areas' pages."""

import datetime

from django import template
from django.utils import timezone

from liens.lib.compiled import compiled
from missions.matching.selectors import MATCH_ROW_FIELDS, review_horizon, reviews_due

register = template.Library()


@register.simple_tag
def matching_reviews_due(association_ids, limit: int = 10):
    """Active matches whose review is due within a week (or late), for these associations."""
    if association_ids is None:
        return []
    today = timezone.localdate()
    return _reviews_due(limit, ids=sorted(set(association_ids)), today=today, until=review_horizon(today))


@compiled(ids=list, today=datetime.date, until=datetime.date)
def _reviews_due(limit: int, *, ids: list[int], today: datetime.date, until: datetime.date):
    """Shown on the association home at every visit: compiled once (liens.lib.compiled)."""
    return reviews_due(association_ids=ids, today=today, until=until).only(*MATCH_ROW_FIELDS)[:limit]
