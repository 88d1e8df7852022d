"""A volunteer's hours: the one home of what counts as volunteer time.

Counted: visits of the volunteer's own matches that they reported as having happened (the
visit is then "done"), for the duration written in the report (the report form fills in the
planned length when the volunteer leaves it blank, missions.reports). Not counted: visits not
reported, missed, cancelled, or reported as not having happened; and never paid home-care
time (the "heures de lien social" sessions of APA plans are a service's, not a volunteer's,
and live in their own tables).

A period is a span of calendar days in the site's time zone (Europe/Paris): a visit belongs
to the day it started there. One certificate spans every association the volunteer visited
for, so it takes one zone, the site's, rather than each association's.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Sum

from liens.lib.compiled import Reading, compiled, totals
from missions.models import Visit, VisitReport
from volunteers.models import Volunteer


def hours_from_minutes(minutes: int) -> float:
    """Minutes as hours to one decimal, halves rounded up (675 minutes are 11.3 h, as people
    count, not Python's round-half-even 11.2)."""
    return float((Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class AssociationHours:
    association_id: int
    association: str
    visits: int
    minutes: int

    @property
    def hours(self) -> float:
        return hours_from_minutes(self.minutes)


def counted_reports(volunteer: Volunteer | int | None = None, *, association_ids: list[int] | None = None):
    """The reports whose visits count as volunteer time (see the module's rule): one
    volunteer's, or every volunteer's for these associations (the activity report)."""
    reports = VisitReport.objects.filter(happened=True, visit__status=Visit.Status.DONE)
    if volunteer is not None:
        reports = reports.filter(visit__match__volunteer=volunteer)
    if association_ids is not None:
        reports = reports.filter(visit__match__mission__association_id__in=association_ids)
    return reports


def period_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start at 00:00, the day after end at 00:00) in the site's zone, as aware datetimes."""
    zone = ZoneInfo(settings.TIME_ZONE)
    # Midnight exists on every day in Europe/Paris (the clocks change at 02:00 and 03:00).
    since = datetime.datetime.combine(start, datetime.time(), tzinfo=zone)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    return since, until


def volunteer_hours_by_association(
    *, volunteer: Volunteer, start: datetime.date | None = None, end: datetime.date | None = None
) -> list[AssociationHours]:
    """Visits counted and minutes, per association, over [start, end] (whole days; open when None).

    One query. The volunteer's rows are read across associations (the caller decides who may
    ask: the volunteer themself).
    """
    reports = counted_reports(volunteer)
    if start is not None:
        reports = reports.filter(visit__starts_at__gte=period_bounds(start, start)[0])
    if end is not None:
        reports = reports.filter(visit__starts_at__lt=period_bounds(end, end)[1])
    rows = (
        reports.values("visit__match__mission__association_id", "visit__match__mission__association__name")
        .annotate(visits=Count("pk"), minutes=Sum("duration_minutes"))
        .order_by("visit__match__mission__association__name", "visit__match__mission__association_id")
    )
    return [
        AssociationHours(
            association_id=row["visit__match__mission__association_id"],
            association=row["visit__match__mission__association__name"],
            visits=row["visits"],
            minutes=row["minutes"] or 0,
        )
        for row in rows
    ]


def volunteer_total_hours_reading(*, volunteer: Volunteer) -> Reading:
    """All the volunteer's hours so far, in hours to one decimal (their visits page, read with
    its lists by liens.lib.compiled.together). One aggregate: the total needs neither the
    associations nor a row per association."""
    return _total_minutes.later(volunteer=volunteer.pk).then(lambda rows: hours_from_minutes(rows[0]["minutes"] or 0))


@compiled(volunteer=int)
def _total_minutes(*, volunteer: int):
    """Asked at every visit of the volunteer's visits page: compiled once (liens.lib.compiled)."""
    return totals(counted_reports(volunteer), minutes=Sum("duration_minutes"))
