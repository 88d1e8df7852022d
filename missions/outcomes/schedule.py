"""When a person's loneliness and network scores are due again: the one home of that rule.

The start is the person's **baseline**, the date of their first assessment (any scale). It is
derived from the assessments themselves rather than a date on the person: intake, consent and
the start of visits happen on different days for different people, and a reassessment only
means something measured against a first score. People with no assessment yet have no
baseline: their baseline assessment is what is due.

Due dates are counted from the baseline, each one from the baseline itself (never from the
previous due date, which would drift at month ends): +3 months, +6 months, then every 6
months (+12, +18...). Month arithmetic keeps the day of the month and falls back to the
month's last day when it has none: 31 August + 6 months is 28 February (29 in a leap year),
and + 12 months is 31 August again.

An assessment answers a due date when it is taken on or after that date less the window
(LIENS_REASSESSMENT_WINDOW_DAYS, 14 days): a visit a few days early counts. The next due date
is therefore the first one that the latest assessment does not answer, and a person is

- "overdue" when that date has passed (before today),
- "due" when it is today or within the window ahead,
- "later" otherwise.

Pure functions; "today" is the caller's, in the association's time zone.
"""

import calendar
import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings

# Months after the baseline of the first due dates; then every EVERY_MONTHS after the last.
FIRST_DUE_MONTHS = (3, 6)
EVERY_MONTHS = 6

NO_BASELINE, OVERDUE, DUE, LATER = "no_baseline", "overdue", "due", "later"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by whole months, on the month's last day when the day does not exist there."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def due_dates(baseline: datetime.date) -> Iterator[datetime.date]:
    """Every reassessment date after `baseline`, in order, without end."""
    for months in FIRST_DUE_MONTHS:
        yield add_months(baseline, months)
    months = FIRST_DUE_MONTHS[-1]
    while True:
        months += EVERY_MONTHS
        yield add_months(baseline, months)


def window_days() -> int:
    return settings.LIENS_REASSESSMENT_WINDOW_DAYS


def next_due(*, baseline: datetime.date, last_taken: datetime.date, window: int | None = None) -> datetime.date:
    """The first due date the latest assessment (`last_taken`) does not answer."""
    early = datetime.timedelta(days=window_days() if window is None else window)
    for due in due_dates(baseline):
        if due - early > last_taken:
            return due
    raise AssertionError("unreachable: due_dates never ends")  # pragma: no cover


@dataclass(frozen=True)
class Reassessment:
    """Where a person stands: their state and next due date (None without a baseline)."""

    state: str
    next_due: datetime.date | None = None
    baseline: datetime.date | None = None
    last_taken: datetime.date | None = None

    @property
    def needs_doing(self) -> bool:
        """Due, overdue, or no baseline yet: what the lists show."""
        return self.state != LATER


def reassessment_state(
    *,
    baseline: datetime.date | None,
    last_taken: datetime.date | None,
    today: datetime.date,
    window: int | None = None,
) -> Reassessment:
    """The person's state on `today` from their first and latest assessment dates."""
    if baseline is None or last_taken is None:
        return Reassessment(state=NO_BASELINE)
    window = window_days() if window is None else window
    due = next_due(baseline=baseline, last_taken=last_taken, window=window)
    if due < today:
        state = OVERDUE
    elif due - datetime.timedelta(days=window) <= today:
        state = DUE
    else:
        state = LATER
    return Reassessment(state=state, next_due=due, baseline=baseline, last_taken=last_taken)
