"""missions.deadline: when a person is late, when a pause ends, how severe a silence is."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from missions import deadline
from missions.ledger import alert_deadline
from missions.models import Beneficiary, IsolationAlert
from tests import factories

PARIS = ZoneInfo("Europe/Paris")
UTC = datetime.UTC
HOUR = datetime.timedelta(hours=1)


def test_a_deadline_across_the_spring_change_is_whole_24_hour_days():
    # Saturday noon in Paris, the day before the clocks go forward.
    since = datetime.datetime(2026, 3, 28, 12, 0, tzinfo=PARIS)
    due = deadline.contact_deadline(since=since, target_days=1, grace_days=1)
    assert due - since == 48 * HOUR
    assert due.utcoffset() == datetime.timedelta(0)
    # 48 hours later the wall clock reads one hour more: it lost an hour on Sunday night.
    assert due.astimezone(PARIS).replace(tzinfo=None) == datetime.datetime(2026, 3, 30, 13, 0)


def test_a_deadline_across_the_autumn_change_is_whole_24_hour_days():
    since = datetime.datetime(2026, 10, 24, 12, 0, tzinfo=PARIS)
    due = deadline.contact_deadline(since=since, target_days=3, grace_days=0)
    assert due - since == 72 * HOUR
    assert due.astimezone(PARIS).replace(tzinfo=None) == datetime.datetime(2026, 10, 27, 11, 0)


@pytest.mark.parametrize(
    ("since", "days", "expected"),
    [
        (datetime.datetime(2026, 1, 30, 10, tzinfo=UTC), 3, datetime.datetime(2026, 2, 2, 10, tzinfo=UTC)),
        (datetime.datetime(2026, 2, 27, 23, tzinfo=UTC), 2, datetime.datetime(2026, 3, 1, 23, tzinfo=UTC)),
        (datetime.datetime(2028, 2, 27, 23, tzinfo=UTC), 2, datetime.datetime(2028, 2, 29, 23, tzinfo=UTC)),
        (datetime.datetime(2026, 12, 30, 18, tzinfo=UTC), 9, datetime.datetime(2027, 1, 8, 18, tzinfo=UTC)),
    ],
)
def test_a_deadline_runs_over_month_and_year_ends(since, days, expected):
    assert deadline.contact_deadline(since=since, target_days=days - 1, grace_days=1) == expected


def test_nobody_to_count_from_has_no_deadline():
    assert deadline.contact_deadline(since=None, target_days=7, grace_days=2) is None


@pytest.mark.parametrize(
    ("paused_until", "ends_utc"),
    [
        # Midnight in Paris the day after: 23:00 UTC in winter, 22:00 UTC in summer.
        (datetime.date(2026, 3, 28), datetime.datetime(2026, 3, 28, 23, tzinfo=UTC)),
        (datetime.date(2026, 3, 29), datetime.datetime(2026, 3, 29, 22, tzinfo=UTC)),
        (datetime.date(2026, 10, 24), datetime.datetime(2026, 10, 24, 22, tzinfo=UTC)),
        (datetime.date(2026, 10, 25), datetime.datetime(2026, 10, 25, 23, tzinfo=UTC)),
        (datetime.date(2026, 1, 31), datetime.datetime(2026, 1, 31, 23, tzinfo=UTC)),
        (datetime.date(2026, 12, 31), datetime.datetime(2026, 12, 31, 23, tzinfo=UTC)),
    ],
)
def test_a_pause_ends_at_local_midnight_after_its_last_day(paused_until, ends_utc):
    assert deadline.pause_end(paused_until=paused_until, tz="Europe/Paris") == ends_utc


@pytest.mark.parametrize(
    ("days_silent", "severity"),
    [(9, deadline.LATE), (14 - 1e-6, deadline.LATE), (14, deadline.OVERDUE), (21 - 1e-6, deadline.OVERDUE), (21, 3)],
)
def test_severity_rises_at_twice_then_three_times_the_target(days_silent, severity):
    since = datetime.datetime(2026, 3, 20, 9, tzinfo=PARIS)  # the silence spans the spring change
    start = deadline.contact_deadline(since=since, target_days=7, grace_days=2)
    now = since.astimezone(UTC) + datetime.timedelta(days=days_silent)
    assert deadline.severity_for(start=start, target_days=7, grace_days=2, now=now) == severity


def test_the_severities_are_the_alert_severities():
    assert [IsolationAlert.Severity.LATE, IsolationAlert.Severity.OVERDUE, IsolationAlert.Severity.CRITICAL] == [
        deadline.LATE,
        deadline.OVERDUE,
        deadline.CRITICAL,
    ]


@pytest.mark.django_db
def test_the_model_and_the_ledger_ask_the_same_rule(association_a):
    beneficiary = factories.BeneficiaryFactory(
        association=association_a, status=Beneficiary.Status.ACTIVE, contact_target_days=5, contact_grace_days=1
    )
    beneficiary.last_contact_at = datetime.datetime(2026, 3, 27, 8, tzinfo=PARIS)
    # Six 24-hour days, though the clocks go forward on the way.
    expected = beneficiary.last_contact_at.astimezone(UTC) + 6 * 24 * HOUR
    assert beneficiary.contact_deadline() == expected
    now = timezone.now()
    assert alert_deadline(beneficiary=beneficiary, now=now, tz="Europe/Paris") == expected
    beneficiary.paused_until = now.astimezone(PARIS).date() + datetime.timedelta(days=2)
    assert alert_deadline(beneficiary=beneficiary, now=now, tz="Europe/Paris") == deadline.pause_end(
        paused_until=beneficiary.paused_until, tz="Europe/Paris"
    )


@pytest.mark.parametrize(("days", "ok"), [(0, False), (1, True), (90, True), (91, False)])
def test_the_contact_target_is_between_one_and_ninety_days(days, ok):
    assert (deadline.target_days_problem(days) is None) == ok


@pytest.mark.parametrize(("days", "ok"), [(0, True), (30, True), (31, False)])
def test_the_grace_is_between_zero_and_thirty_days(days, ok):
    problem = deadline.grace_days_problem(days)
    assert (problem is None) == ok
    if not ok:
        assert "0" in problem and "30" in problem


def test_within_target_counts_days_of_24_hours_across_the_clock_change():
    # Clocks go back on 25 October 2026: seven days after noon on the 22nd is 11:00 on the 29th, Paris.
    since = datetime.datetime(2026, 10, 22, 12, tzinfo=PARIS)
    assert deadline.within_target(since=since, target_days=7, at=datetime.datetime(2026, 10, 29, 10, 59, tzinfo=PARIS))
    assert not deadline.within_target(since=since, target_days=7, at=datetime.datetime(2026, 10, 29, 11, tzinfo=PARIS))
