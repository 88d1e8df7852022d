"""When is a person late: the one home of the no-contact rules.

Every reader of "late" asks here: the model (`Beneficiary.contact_deadline`), the contact
ledger when it stores `alert_after`, a person resolving an alert, the sweep's Python step, the
sweep's SQL statement (which takes its numbers from `sql_parameters()`), and the demo seeds;
the activity report asks `within_target()` for its share of people within their target.

- A person is late once silent for target + grace days after their last contact, or, never
  contacted, after they were first followed (`Beneficiary.followed_since`). A pause does not
  restart the silence; a deadline falling in a pause moves to the pause's end.
- A dated pause ends at midnight after `paused_until`, in the association's time zone.
- Counted from `since` = start of the silence - (target + grace): overdue from
  since + overdue factor x target, critical from since + critical factor x target.

A day here is 24 hours, not a calendar day: a deadline is an instant, stored in UTC, and the
SQL statement counts `interval '24 hours'` too. Python's `aware + timedelta(days=n)` would add
wall-clock days in the datetime's own zone (23 or 25 hours across a DST change), so every sum
below is made in UTC.

Nothing here reads the database or the clock: the same inputs always give the same answer.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

# The ranges a person's contact target and grace may take, in days. The model's check
# constraints, the forms, the serializers, the services and the import all use these.
TARGET_DAYS_MIN, TARGET_DAYS_MAX = 1, 90
GRACE_DAYS_MIN, GRACE_DAYS_MAX = 0, 30


def target_days_problem(days: int) -> str | None:
    """What is wrong with a contact target, in the user's language, or None."""
    if TARGET_DAYS_MIN <= days <= TARGET_DAYS_MAX:
        return None
    return _("Choose between %(low)d and %(high)d days.") % {"low": TARGET_DAYS_MIN, "high": TARGET_DAYS_MAX}


def grace_days_problem(days: int) -> str | None:
    """What is wrong with a grace, in the user's language, or None."""
    if GRACE_DAYS_MIN <= days <= GRACE_DAYS_MAX:
        return None
    return _("Choose between %(low)d and %(high)d days.") % {"low": GRACE_DAYS_MIN, "high": GRACE_DAYS_MAX}


# The no-contact severities (IsolationAlert.Severity takes its values from here).
LATE, OVERDUE, CRITICAL = 1, 2, 3

DAY = datetime.timedelta(hours=24)
UTC = datetime.UTC


def overdue_factor() -> int:
    return settings.LIENS_ALERT_OVERDUE_FACTOR


def critical_factor() -> int:
    return settings.LIENS_ALERT_CRITICAL_FACTOR


def allowance(*, target_days: int, grace_days: int) -> datetime.timedelta:
    """How long a silence may last before it is late: target + grace."""
    return (target_days + grace_days) * DAY


def contact_deadline(*, since: datetime.datetime | None, target_days: int, grace_days: int) -> datetime.datetime | None:
    """When silence becomes an alert: `since` (last contact, or first followed) + target + grace."""
    if since is None:
        return None
    return since.astimezone(UTC) + allowance(target_days=target_days, grace_days=grace_days)


def within_target(*, since: datetime.datetime, target_days: int, at: datetime.datetime) -> bool:
    """Whether a person whose silence began at `since` (last contact, or first followed) is
    still within their contact target at `at`: contacted less than target days before it. The
    grace is the alert's tolerance, not part of the target (the activity report's share)."""
    return at.astimezone(UTC) < since.astimezone(UTC) + target_days * DAY


def pause_end(*, paused_until: datetime.date | None, tz: str) -> datetime.datetime | None:
    """The moment a dated pause ends: midnight after `paused_until`, in the association's zone."""
    if paused_until is None:
        return None
    day_after = paused_until + datetime.timedelta(days=1)
    return datetime.datetime.combine(day_after, datetime.time.min, tzinfo=ZoneInfo(tz))


def next_look(
    *,
    active: bool,
    paused_until: datetime.date | None,
    tz: str,
    since: datetime.datetime | None,
    target_days: int,
    grace_days: int,
    now: datetime.datetime,
) -> datetime.datetime | None:
    """The person's stored deadline (`alert_after`) before any alert: None when not active,
    the pause's end while a dated pause lasts, else the contact deadline."""
    if not active:
        return None
    end = pause_end(paused_until=paused_until, tz=tz)
    if end is not None and now < end:
        return end
    return contact_deadline(since=since, target_days=target_days, grace_days=grace_days)


def severity_thresholds(
    *,
    start: datetime.datetime,
    target_days: int,
    grace_days: int,
    overdue: int | None = None,
    critical: int | None = None,
) -> tuple[datetime.datetime, datetime.datetime]:
    """(overdue_at, critical_at) for a silence that became late at `start`. The factors are the
    settings' unless given."""
    overdue = overdue_factor() if overdue is None else overdue
    critical = critical_factor() if critical is None else critical
    since = start.astimezone(UTC) - allowance(target_days=target_days, grace_days=grace_days)
    return since + overdue * target_days * DAY, since + critical * target_days * DAY


def severity_for(
    *,
    start: datetime.datetime,
    target_days: int,
    grace_days: int,
    now: datetime.datetime,
    overdue: int | None = None,
    critical: int | None = None,
) -> int:
    """The severity at `now` of a silence that became late at `start`."""
    overdue_at, critical_at = severity_thresholds(
        start=start, target_days=target_days, grace_days=grace_days, overdue=overdue, critical=critical
    )
    if now >= critical_at:
        return CRITICAL
    if now >= overdue_at:
        return OVERDUE
    return LATE


def sql_parameters() -> dict:
    """The numbers the sweep's SQL statement counts with, from the same source as the functions
    above (the SQL and the Python step are tested to agree)."""
    return {
        "day": DAY,
        "overdue": overdue_factor(),
        "critical": critical_factor(),
        "late_severity": LATE,
        "overdue_severity": OVERDUE,
        "critical_severity": CRITICAL,
    }
