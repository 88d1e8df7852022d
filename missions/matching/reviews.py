"""Reviews of active matches: which are due, soonest first (the association home, the reviews
page, the API). A match is reviewed six weeks after it starts, then every three months
(life.match_review sets `next_review_on`)."""

from __future__ import annotations

import datetime

from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.utils import timezone

from liens.lib.compiled import Reading, compiled
from missions.models import Match


def review_horizon(today: datetime.date, within_days: int = 7) -> datetime.date:
    """The last day of the reviews listed as due (reviews_due)."""
    return today + datetime.timedelta(days=within_days)


def reviews_due(
    *,
    association_ids: list[int] | None,
    today: datetime.date | None = None,
    within_days: int = 7,
    until: datetime.date | None = None,
) -> QuerySet:
    """Active matches whose review falls within `within_days` (`until`: review_horizon, given by
    a caller that compiles the query) or is late, soonest first."""
    today = today or timezone.localdate()
    until = until or review_horizon(today, within_days)
    matches = Match.objects.filter(status=Match.Status.ACTIVE, next_review_on__lte=until)
    if association_ids is not None:
        matches = matches.filter(mission__association__in=association_ids)
    late = Case(When(next_review_on__lt=today, then=Value(True)), default=Value(False), output_field=BooleanField())
    return (
        matches.annotate(review_late=late)
        .select_related("mission__beneficiary", "volunteer__user")
        .order_by("next_review_on", "pk")
    )


# What a list of matches shows of each (jinja2/missions/matching/_reviews_due.html): the
# volunteer's and the beneficiary's names, the mission's title and the review's day. A page
# compiles and reads these columns only, not the five tables' every column.
MATCH_ROW_FIELDS = (
    "next_review_on",
    "mission__title",
    "mission__beneficiary__first_name",
    "mission__beneficiary__last_name",
    "mission__beneficiary__erased_at",
    "volunteer__user__first_name",
    "volunteer__user__last_name",
    "volunteer__user__email",
)


def reviews_due_soon(association_ids: list[int], limit: int = 10) -> list[Match]:
    """The `limit` first reviews_due of these associations within a week, with the row's
    columns: the association home's list, read at every visit of it."""
    return reviews_due_soon_reading(association_ids, limit)()


def reviews_due_soon_reading(association_ids: list[int], limit: int = 10) -> Reading:
    """reviews_due_soon, to read with a page's other queries (liens.lib.compiled.together)."""
    today = timezone.localdate()
    return _reviews_due_soon.later(limit, ids=sorted(set(association_ids)), today=today, until=review_horizon(today))


@compiled(ids=list, today=datetime.date, until=datetime.date)
def _reviews_due_soon(limit: int, *, ids: list[int], today: datetime.date, until: datetime.date):
    return reviews_due(association_ids=ids, today=today, until=until).only(*MATCH_ROW_FIELDS)[:limit]
