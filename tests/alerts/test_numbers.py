"""The numbers: open alerts by severity, median silence, share within target, 12 weeks."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from missions.alerts.selectors import alert_counts, alert_numbers
from missions.alerts.sweep import isolation_sweep
from missions.deadline import TARGET_DAYS_MAX
from missions.ledger import contact_record
from missions.models import Beneficiary, Contact
from tests import factories
from tests.alerts.conftest import followed

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_counts_are_by_severity_and_scoped(follow, association_a, association_b):
    follow(days_silent=10)
    follow(days_silent=16)
    follow(days_silent=25)
    followed(association_b, days_silent=10)
    isolation_sweep()
    assert alert_counts(association_ids=[association_a.pk]) == {
        "late": 1,
        "overdue": 1,
        "critical": 1,
        "urgent": 0,
        "total": 3,
    }
    assert alert_counts(association_ids=None)["late"] == 2


def test_median_silence_and_share_within_target(association_a):
    for days in (1, 3, 5, 10, 20):
        followed(association_a, days_silent=days, target=7)
    factories.BeneficiaryFactory(association=association_a, status=Beneficiary.Status.ENDED)  # not counted
    numbers = alert_numbers(association_ids=[association_a.pk])
    assert numbers.active == 5
    assert numbers.within_target == 3
    assert numbers.within_target_percent == 60
    assert numbers.median_days == pytest.approx(5, abs=0.01)


def test_the_weekly_series_comes_from_the_ledger(association_a):
    now = timezone.now()
    person = factories.BeneficiaryFactory(association=association_a, contact_target_days=7)
    Beneficiary.objects.filter(pk=person.pk).update(created_at=now - 100 * DAY)
    # Contacted 22 and 29 days ago only: within a 7-day target at the week ends 21 and 28 days
    # ago, and at no other.
    for weeks in (3, 4):
        contact_record(beneficiary=person, kind=Contact.Kind.VISIT, occurred_at=now - weeks * 7 * DAY - DAY)
    numbers = alert_numbers(association_ids=[association_a.pk], now=now)
    percents = [week.percent for week in numbers.weeks]
    assert len(percents) == 12
    assert percents == [0] * 7 + [100, 100] + [0] * 3
    assert numbers.weeks[-1].ends_at == now


def test_the_numbers_take_a_constant_number_of_queries(association_a, django_assert_max_num_queries):
    for days in (1, 12, 30):
        followed(association_a, days_silent=days, target=7)
    followed(association_a, days_silent=2, target=14)
    # One aggregate on the alerts, one statement on PostgreSQL (three aggregates elsewhere).
    most = 2 if connection.vendor == "postgresql" else 4
    with django_assert_max_num_queries(most):
        small = alert_numbers(association_ids=[association_a.pk])
    for days in range(20):
        followed(association_a, days_silent=days, target=3 + days % 3)
    with django_assert_max_num_queries(most):
        large = alert_numbers(association_ids=None)
    assert (small.active, large.active) == (4, 24)
    assert len(large.bars) == 12


def test_the_french_dashboard_draws_its_bars_with_decimal_points(association_a, coordinator_a_client):
    import re

    from django.urls import reverse

    for days in (1, 2, 12):  # two of three within target this week: a bar of decimal height
        followed(association_a, days_silent=days, target=7)
    page = coordinator_a_client.get(reverse("alerts:dashboard"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    heights = re.findall(r'<rect x="[^"]*" y="([^"]*)" width="16" height="([^"]*)"', page)
    assert len(heights) == 12
    assert heights[-1] == ("36.4", "53.6")  # 67 % of an 80-high bar
    assert not any("," in value for pair in heights for value in pair)


# Hard instants for the weekly series: a DST change in Paris inside the 12 weeks (both ways), a
# `now` given in Paris time (its week ends then keep the wall-clock hour, 167 or 169 hours apart
# across a change), and a year end.
PARIS = ZoneInfo("Europe/Paris")
ENGINE_NOWS = [
    datetime.datetime(2026, 4, 2, 9, 30, tzinfo=datetime.UTC),
    datetime.datetime(2026, 11, 3, 23, 30, tzinfo=datetime.UTC),
    datetime.datetime(2026, 11, 3, 23, 30, tzinfo=datetime.UTC).astimezone(PARIS),
    datetime.datetime(2026, 4, 2, 9, 30, tzinfo=datetime.UTC).astimezone(PARIS),
    datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC),
]


def _ledger_around_each_week_end(association, now):
    """People created, contacted and silent around every week end of the series at `now`: contacts
    exactly at an end, a target's length before it (+/- a microsecond, an hour), never contacted."""
    week_ends = [now - datetime.timedelta(weeks=k) for k in range(11, -1, -1)]
    edges = [
        datetime.timedelta(0),
        datetime.timedelta(microseconds=1),
        -datetime.timedelta(microseconds=1),
        datetime.timedelta(hours=1),
        -datetime.timedelta(hours=1),
    ]
    person = 0
    for k, end in enumerate(week_ends):
        for target in (3, 7, 14):
            for edge in edges:
                person += 1
                beneficiary = factories.BeneficiaryFactory(association=association, contact_target_days=target)
                shift = [datetime.timedelta(0), target * DAY][person % 2]
                stamps = [end - shift + edge, end - (k % 3 + 1) * DAY]
                Contact.objects.bulk_create(
                    Contact(beneficiary=beneficiary, kind=Contact.Kind.CALL, occurred_at=stamp) for stamp in stamps
                )
                Beneficiary.objects.filter(pk=beneficiary.pk).update(
                    created_at=end - (person % 4) * DAY + edge, last_contact_at=max(stamps)
                )
        silent = factories.BeneficiaryFactory(association=association)
        Beneficiary.objects.filter(pk=silent.pk).update(created_at=end, followed_since=end - k * DAY)
    # The longest target allowed, contacted about that long before the first week end.
    for edge in edges:
        longest = factories.BeneficiaryFactory(association=association, contact_target_days=TARGET_DAYS_MAX)
        stamp = week_ends[0] - TARGET_DAYS_MAX * DAY + edge
        Contact.objects.create(beneficiary=longest, kind=Contact.Kind.CALL, occurred_at=stamp)
        Beneficiary.objects.filter(pk=longest.pk).update(created_at=stamp, last_contact_at=stamp)


@pytest.mark.parametrize("now", ENGINE_NOWS, ids=lambda now: now.isoformat())
def test_the_sql_engine_counts_as_the_orm_engine(association_a, association_b, now):
    if connection.vendor != "postgresql":
        pytest.skip("the single-statement engine is PostgreSQL's")
    _ledger_around_each_week_end(association_a, now)
    followed(association_b, days_silent=3)
    for ids in ([association_a.pk], None, [association_b.pk], []):
        by_sql = alert_numbers(association_ids=ids, now=now, engine="sql")
        by_orm = alert_numbers(association_ids=ids, now=now, engine="orm")
        assert by_sql == by_orm, ids
    weeks = alert_numbers(association_ids=[association_a.pk], now=now, engine="sql").weeks
    assert [week.ends_at for week in weeks] == [now - datetime.timedelta(weeks=k) for k in range(11, -1, -1)]
    assert len({week.within for week in weeks}) > 1 and len({week.total for week in weeks}) > 1


def test_the_dashboard_chart_and_table_say_each_week_s_share(association_a, coordinator_a_client):
    from django.urls import reverse

    followed(association_a, days_silent=1, target=7)  # created now: no one was followed before
    followed(association_a, days_silent=12, target=7)
    page = coordinator_a_client.get(reverse("alerts:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    today = timezone.localdate()
    earlier = timezone.localtime(timezone.now() - 7 * DAY)
    assert f"<title>{today:%-d %b}: 50 %</title></rect>" in page
    assert f"<title>{earlier:%-d %b}: –</title></rect>" in page
    assert f"<tr><td>{today:%-d %b %Y}</td><td>50 % (1/2)</td></tr>" in page
    assert f"<tr><td>{earlier:%-d %b %Y}</td><td>–</td></tr>" in page


def test_the_chart_is_written_in_each_language_and_zone_though_its_weeks_are_kept():
    """The chart's bars and rows are kept once written (missions.templatetags.alert_charts):
    the same weeks shown in another language, or another time zone, are written afresh."""
    from django.utils import translation

    from missions.alerts.selectors import AlertNumbers, WeekShare
    from missions.templatetags.alert_charts import week_bars, week_rows

    # Half past midnight on 7 December in Paris, still the evening of the 6th in Cayenne.
    ends_at = datetime.datetime(2026, 12, 6, 23, 30, tzinfo=datetime.UTC)
    numbers = AlertNumbers(
        counts={}, active=4, within_target=3, median_days=2.5, weeks=[WeekShare(ends_at=ends_at, within=3, total=4)]
    )
    written = {}
    for _round in range(2):
        for language, zone in [("fr", "Europe/Paris"), ("en", "Europe/Paris"), ("en", "America/Cayenne")]:
            with translation.override(language), timezone.override(ZoneInfo(zone)):
                html = (str(week_bars(numbers)), str(week_rows(numbers)))
            assert written.setdefault((language, zone), html) == html
    assert written["fr", "Europe/Paris"] == (
        '<rect x="2" y="30.0" width="16" height="60.0"><title>7 Déc: 75 %</title></rect>',
        "<tr><td>7 Déc 2026</td><td>75 % (3/4)</td></tr>",
    )
    assert written["en", "Europe/Paris"][1] == "<tr><td>7 Dec 2026</td><td>75 % (3/4)</td></tr>"
    assert written["en", "America/Cayenne"][1] == "<tr><td>6 Dec 2026</td><td>75 % (3/4)</td></tr>"
