"""One rule, one home: the sweep's SQL statement decides as missions.deadline says, and every
path raises (and resolves) an alert with the same fields set."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from missions import deadline
from missions.alerts.lifecycle import RESOLVED_BY_CONTACT, alert_new, escalation_delay
from missions.alerts.services import alert_raise_missed_visits, alert_raise_urgent, alert_resolve
from missions.alerts.sweep import isolation_sweep
from missions.ledger import contact_record
from missions.models import AlertEvent, Association, Beneficiary, Contact, IsolationAlert, Visit
from tests import factories
from tests.alerts.conftest import report_on, visit_of

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
HOUR = datetime.timedelta(hours=1)
# Hard instants: just after each DST change in Paris, a month end, a year end.
NOWS = [
    datetime.datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    datetime.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    datetime.datetime(2026, 2, 28, 23, 30, tzinfo=UTC),
    datetime.datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
]


def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the single-statement engine is PostgreSQL's")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    now=st.sampled_from(NOWS),
    tz=st.sampled_from(["Europe/Paris", "America/New_York", "UTC"]),
    target=st.integers(deadline.TARGET_DAYS_MIN, 30),
    grace=st.integers(deadline.GRACE_DAYS_MIN, 5),
    silent_hours=st.integers(0, 24 * 100),
    pause_days=st.one_of(st.none(), st.integers(-3, 3)),
    open_severity=st.one_of(st.none(), st.integers(deadline.LATE, deadline.CRITICAL)),
)
def test_the_sql_statement_decides_as_the_deadline_module_says(
    association_a, now, tz, target, grace, silent_hours, pause_days, open_severity
):
    _needs_postgresql()
    with transaction.atomic():
        Association.objects.filter(pk=association_a.pk).update(timezone=tz)
        last = now - silent_hours * HOUR
        paused_until = None
        if pause_days is not None:
            paused_until = now.astimezone(ZoneInfo(tz)).date() + datetime.timedelta(days=pause_days)
        beneficiary = factories.BeneficiaryFactory(
            association=association_a,
            status=Beneficiary.Status.ACTIVE,
            contact_target_days=target,
            contact_grace_days=grace,
            paused_until=paused_until,
        )
        late_at = deadline.contact_deadline(since=last, target_days=target, grace_days=grace)
        due_at = min(late_at, now)
        Beneficiary.objects.filter(pk=beneficiary.pk).update(last_contact_at=last, alert_after=due_at)
        if open_severity is not None:
            IsolationAlert.objects.create(
                beneficiary=beneficiary,
                association=association_a,
                kind=IsolationAlert.Kind.NO_CONTACT,
                severity=open_severity,
                started_at=late_at,
                raised_at=late_at,
            )

        isolation_sweep(now=now, engine="sql")

        beneficiary.refresh_from_db()
        alert = IsolationAlert.objects.filter(beneficiary=beneficiary).first()
        end = deadline.pause_end(paused_until=paused_until, tz=tz)
        if end is not None and now < end:
            assert beneficiary.alert_after == end
        elif late_at > now:
            assert beneficiary.alert_after == late_at
            assert alert is None or alert.resolved_at == now
        else:
            start = late_at if open_severity is not None else max(late_at, due_at)
            severity = max(
                deadline.severity_for(start=start, target_days=target, grace_days=grace, now=now), open_severity or 0
            )
            overdue_at, critical_at = deadline.severity_thresholds(start=start, target_days=target, grace_days=grace)
            assert (alert.severity, alert.started_at, alert.resolved_at) == (severity, start, None)
            assert beneficiary.alert_after == {deadline.LATE: overdue_at, deadline.OVERDUE: critical_at}.get(severity)
        transaction.set_rollback(True)


def _fields(alert: IsolationAlert) -> dict:
    """What a raising writes, as a reader of the row sees it."""
    return {
        "kind": alert.kind,
        "association": alert.association_id,
        "beneficiary": alert.beneficiary_id,
        "severity": alert.severity,
        "started_at": alert.started_at,
        "raised_at": alert.raised_at,
        "escalation_level": alert.escalation_level,
        "escalate_after": alert.escalate_after,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": alert.acknowledged_by_id,
        "assigned_to": alert.assigned_to_id,
        "resolved_at": alert.resolved_at,
        "resolved_by": alert.resolved_by_id,
        "resolution": alert.resolution,
    }


@pytest.mark.parametrize("engine", ["sql", "python"])
def test_an_alert_the_sweep_raises_is_the_one_alert_new_describes(follow, engine):
    if engine == "sql":
        _needs_postgresql()
    beneficiary = follow(days_silent=10, target=7, grace=2)
    now = timezone.now()
    isolation_sweep(now=now, engine=engine)
    raised = IsolationAlert.objects.get(beneficiary=beneficiary)
    built = alert_new(
        beneficiary=beneficiary,
        kind=IsolationAlert.Kind.NO_CONTACT,
        severity=deadline.LATE,
        started_at=beneficiary.contact_deadline(),
        now=now,
    )
    assert _fields(raised) == _fields(built)


@pytest.fixture
def stopped_clock():
    with time_machine.travel(timezone.now(), tick=False):
        yield timezone.now()


def test_a_report_the_sweep_and_the_missed_visits_check_raise_alike(follow, stopped_clock):
    """Whoever raises, an alert has its start, its raising time, its escalation clock and nothing
    of a person's actions set."""
    now = stopped_clock
    silent = follow(days_silent=10)
    isolation_sweep(now=now)
    by_sweep = IsolationAlert.objects.get(beneficiary=silent)

    worried = follow(days_silent=1)
    by_report = alert_raise_urgent(report=report_on(visit_of(worried), concerns=["fall"]))

    missed = follow(days_silent=1)
    visit_of(missed, days_ago=8, status=Visit.Status.MISSED)
    visit_of(missed, days_ago=1, status=Visit.Status.UNCONFIRMED)
    by_check = alert_raise_missed_visits(beneficiary=missed)

    for alert in (by_sweep, by_report, by_check):
        alert.refresh_from_db()
        fields = _fields(alert)
        assert fields["escalate_after"] == alert.raised_at + escalation_delay(severity=alert.severity)
        assert fields["started_at"] <= fields["raised_at"] == now
        assert fields["escalation_level"] == 0
        set_fields = {name for name, value in fields.items() if value not in (None, "")}
        assert set_fields == {
            "kind",
            "association",
            "beneficiary",
            "severity",
            "started_at",
            "raised_at",
            "escalation_level",
            "escalate_after",
        }, alert.kind


def _resolution(alert: IsolationAlert) -> tuple:
    alert.refresh_from_db()
    event = alert.events.get(kind=AlertEvent.Kind.RESOLVED)
    return alert.resolved_at is not None, alert.escalate_after, event.at == alert.resolved_at


def test_a_contact_the_sweep_and_a_person_resolve_alike(follow, coordinator_a):
    now = timezone.now()
    people = [follow(days_silent=10) for _ in range(3)]
    isolation_sweep(now=now)
    by_contact, by_sweep, by_person = (IsolationAlert.objects.get(beneficiary=person) for person in people)

    contact_record(beneficiary=people[0], kind=Contact.Kind.CALL, occurred_at=now, recorded_by=coordinator_a)
    # A contact written without the ledger's resolution (an import): the sweep finds it.
    Beneficiary.objects.filter(pk=people[1].pk).update(last_contact_at=now, alert_after=now)
    isolation_sweep(now=now + HOUR)
    alert_resolve(alert=by_person, by=coordinator_a, reason="Joint par sa fille")

    assert {_resolution(alert) for alert in (by_contact, by_sweep, by_person)} == {(True, None, True)}
    assert by_contact.resolution == by_sweep.resolution == RESOLVED_BY_CONTACT
    assert by_person.resolution == "Joint par sa fille"
    assert (by_contact.resolved_by, by_sweep.resolved_by, by_person.resolved_by) == (
        coordinator_a,
        None,
        coordinator_a,
    )
