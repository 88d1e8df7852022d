"""The reassessment schedule: due dates from the baseline, month ends, leap years, states."""

import datetime
import itertools

import pytest

from missions.outcomes import schedule

D = datetime.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 8, 31), 6, D(2027, 2, 28)),  # no 31 February: the month's last day
        (D(2027, 8, 31), 6, D(2028, 2, 29)),  # 2028 is a leap year
        (D(2026, 8, 31), 12, D(2027, 8, 31)),  # a year on, the 31st again
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2026, 10, 15), 3, D(2027, 1, 15)),  # across the year
        (D(2026, 11, 18), -12, D(2025, 11, 18)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
    ],
)
def test_months_are_added_on_the_calendar_falling_back_to_the_month_end(day, months, expected):
    assert schedule.add_months(day, months) == expected


def test_due_at_3_and_6_months_then_every_6_each_counted_from_the_baseline():
    dates = list(itertools.islice(schedule.due_dates(D(2026, 8, 31)), 6))
    assert dates == [D(2026, 11, 30), D(2027, 2, 28), D(2027, 8, 31), D(2028, 2, 29), D(2028, 8, 31), D(2029, 2, 28)]


def test_the_next_due_date_is_the_first_the_latest_assessment_does_not_answer():
    baseline = D(2026, 1, 10)
    assert schedule.next_due(baseline=baseline, last_taken=baseline, window=14) == D(2026, 4, 10)
    # Taken 10 days early: answers the 3-month date, the 6-month one is next.
    assert schedule.next_due(baseline=baseline, last_taken=D(2026, 3, 31), window=14) == D(2026, 7, 10)
    # 15 days early is too early: the 3-month date is still to do.
    assert schedule.next_due(baseline=baseline, last_taken=D(2026, 3, 26), window=14) == D(2026, 4, 10)
    # Months late: one assessment answers every date before it.
    assert schedule.next_due(baseline=baseline, last_taken=D(2026, 9, 1), window=14) == D(2027, 1, 10)


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (D(2026, 3, 26), schedule.LATER),  # 15 days before the 3-month date
        (D(2026, 3, 27), schedule.DUE),  # 14 days before: within the window
        (D(2026, 4, 10), schedule.DUE),  # the day itself
        (D(2026, 4, 11), schedule.OVERDUE),  # the day after
    ],
)
def test_a_person_is_due_within_the_window_and_overdue_the_day_after(today, state):
    result = schedule.reassessment_state(baseline=D(2026, 1, 10), last_taken=D(2026, 1, 10), today=today, window=14)
    assert result.state == state
    assert result.next_due == D(2026, 4, 10)


def test_no_assessment_means_a_baseline_is_due():
    result = schedule.reassessment_state(baseline=None, last_taken=None, today=D(2026, 11, 18))
    assert result.state == schedule.NO_BASELINE and result.next_due is None and result.needs_doing


def test_the_window_comes_from_the_settings(settings):
    settings.LIENS_REASSESSMENT_WINDOW_DAYS = 3
    base = D(2026, 1, 10)
    assert schedule.reassessment_state(baseline=base, last_taken=base, today=D(2026, 4, 6)).state == schedule.LATER
    assert schedule.reassessment_state(baseline=base, last_taken=base, today=D(2026, 4, 7)).state == schedule.DUE
