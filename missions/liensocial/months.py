"""The month rules of lien-social hours: the one home of "how much of this month's plan is
delivered, and may this session be added".

A month is a calendar month in the service's time zone (Europe/Paris by default), never UTC's:
a session that starts on 1 May at 01:00 in Paris is stored as 30 April 23:00 UTC, and it is a May
session. The month of a session is the month of its start.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from liens.errors import DomainError
from liens.scopes import scopes_disabled

from ..models import ApaPlan, LienSocialSession
from ..models.liensocial import MAX_HOURS_PER_MONTH

MAX_MINUTES_PER_MONTH = MAX_HOURS_PER_MONTH * 60


def month_of(moment: datetime.datetime, *, tz: str) -> tuple[int, int]:
    """(year, month) of `moment` in the time zone `tz`."""
    local = moment.astimezone(zoneinfo.ZoneInfo(tz))
    return local.year, local.month


def month_bounds(year: int, month: int, *, tz: str) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of the month in `tz`, as aware datetimes (the database compares in UTC)."""
    zone = zoneinfo.ZoneInfo(tz)
    start = datetime.datetime(year, month, 1, tzinfo=zone)
    end = datetime.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start, end


def month_last_day(year: int, month: int) -> datetime.date:
    return datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)


def plan_in_force_during(plan: ApaPlan, year: int, month: int) -> bool:
    """Whether the plan covers at least one day of the month."""
    first, last = datetime.date(year, month, 1), month_last_day(year, month)
    return plan.starts_on <= last and (plan.ends_on is None or plan.ends_on >= first)


@dataclass(frozen=True)
class PlanMonth:
    """One plan's month: what was planned and what was delivered, in minutes."""

    plan: ApaPlan
    year: int
    month: int
    planned_minutes: int
    delivered_minutes: int
    sessions: int

    @property
    def remaining_minutes(self) -> int:
        return max(self.planned_minutes - self.delivered_minutes, 0)

    @property
    def shortfall(self) -> bool:
        return self.delivered_minutes < self.planned_minutes


def planned_minutes(plan: ApaPlan, year: int, month: int) -> int:
    """The plan's hours for the month. A plan in force any day of the month counts the whole
    month's hours: the APA plan is a monthly allowance, not prorated by the département."""
    return plan.hours_per_month * 60 if plan_in_force_during(plan, year, month) else 0


def plan_month(plan: ApaPlan, year: int, month: int, *, tz: str) -> PlanMonth:
    """The plan's figures for one month (one query)."""
    start, end = month_bounds(year, month, tz=tz)
    # The sessions of a plan the caller already holds (fetched through its own scope: the
    # person's association, or the service delivering it), so read whatever the request's scope.
    with scopes_disabled("the sessions of a plan the caller already holds"):
        totals = LienSocialSession.objects.filter(plan=plan, starts_at__gte=start, starts_at__lt=end).aggregate(
            minutes=Sum("duration_minutes"), count=Count("pk")
        )
    return PlanMonth(
        plan=plan,
        year=year,
        month=month,
        planned_minutes=planned_minutes(plan, year, month),
        delivered_minutes=totals["minutes"] or 0,
        sessions=totals["count"] or 0,
    )


def session_month_check(*, month: PlanMonth, duration_minutes: int, reason: str) -> None:
    """Refuse a session that takes the month beyond the plan, or beyond 9 hours, without a
    reason (a field error on `over_plan_reason`). The reason is for the département: a session
    that ran over, a catch-up agreed with the family."""
    after = month.delivered_minutes + duration_minutes
    if after <= month.planned_minutes and after <= MAX_MINUTES_PER_MONTH:
        return
    if (reason or "").strip():
        return
    if after > MAX_MINUTES_PER_MONTH:
        message = _(
            "This session takes the month beyond 9 hours of lien social (%(delivered)s already delivered): "
            "give the reason."
        )
    else:
        message = _(
            "This session takes the month beyond the plan's %(planned)s h (%(delivered)s already delivered): "
            "give the reason."
        )
    raise DomainError(
        message % {"planned": month.plan.hours_per_month, "delivered": minutes_label(month.delivered_minutes)},
        field="over_plan_reason",
    )


def minutes_label(minutes: int) -> str:
    """90 → "1 h 30", 60 → "1 h", 0 → "0 h"."""
    hours, rest = divmod(int(minutes or 0), 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"
