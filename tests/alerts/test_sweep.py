"""The isolation sweep: set-based, bounded batches, idempotent, one alert per person and kind."""

import datetime
import functools
import random

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liens.models import Notification
from missions.alerts.notifications import RaisedItem, alerts_raised_notify
from missions.alerts.selectors import alert_file
from missions.alerts.sweep import DueRow, isolation_sweep, no_contact_step
from missions.models import AlertEvent, Association, Beneficiary, IsolationAlert
from tests import factories
from tests.alerts.conftest import followed

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["sql", "python"])
def sweep(request):
    """The sweep, through each engine: one SQL statement per batch (PostgreSQL), or Python."""
    if request.param == "sql" and connection.vendor != "postgresql":
        pytest.skip("the single-statement engine is PostgreSQL's")
    return functools.partial(isolation_sweep, engine=request.param)


DAY = datetime.timedelta(days=1)
Severity = IsolationAlert.Severity


def test_an_alert_starts_at_last_contact_plus_target_plus_grace(follow, sweep):
    beneficiary = follow(days_silent=10, target=7, grace=2)
    result = sweep()
    alert = IsolationAlert.objects.get(beneficiary=beneficiary)
    assert result.raised == 1
    assert alert.kind == IsolationAlert.Kind.NO_CONTACT
    assert alert.severity == Severity.LATE
    assert alert.started_at == beneficiary.last_contact_at + 9 * DAY
    assert alert.association == beneficiary.association
    assert not alert.events.exists()  # the row records the raising
    raised = alert_file(alert=alert).events[0]
    assert (raised.kind, raised.at) == (AlertEvent.Kind.RAISED, alert.raised_at)
    assert raised.data == {"severity": Severity.LATE}


def test_nobody_within_target_plus_grace_is_flagged(follow, sweep):
    follow(days_silent=8.5, target=7, grace=2)
    follow(days_silent=None)  # just taken in: the clock runs from intake
    assert sweep().raised == 0
    assert not IsolationAlert.objects.exists()


def test_the_sweep_raises_the_severity_on_the_same_alert_as_silence_goes_on(follow, sweep):
    beneficiary = follow(days_silent=10, target=7, grace=2)
    sweep()
    alert = IsolationAlert.objects.get()
    beneficiary.refresh_from_db()
    assert beneficiary.alert_after == beneficiary.last_contact_at + 14 * DAY  # 2 x target

    with time_machine.travel(timezone.now() + 5 * DAY):
        result = sweep()
    assert (result.raised, result.risen) == (0, 1)
    alert.refresh_from_db()
    assert alert.severity == Severity.OVERDUE
    rise = alert.events.get(kind=AlertEvent.Kind.SEVERITY)
    assert rise.data == {"from": Severity.LATE, "to": Severity.OVERDUE}

    with time_machine.travel(timezone.now() + 12 * DAY):
        sweep()
    alert.refresh_from_db()
    beneficiary.refresh_from_db()
    assert alert.severity == Severity.CRITICAL
    assert beneficiary.alert_after is None  # nothing higher to raise
    assert IsolationAlert.objects.count() == 1


def test_a_long_silence_is_raised_at_its_severity_at_once(follow, sweep):
    follow(days_silent=15, target=7, grace=2)
    follow(days_silent=22, target=7, grace=2)
    sweep()
    assert sorted(IsolationAlert.objects.values_list("severity", flat=True)) == [Severity.OVERDUE, Severity.CRITICAL]


def test_a_second_sweep_finds_nothing_to_do(follow, sweep):
    for days in (10, 16, 25):
        follow(days_silent=days)
    first = sweep()
    second = sweep()
    assert first.raised == 3
    assert (second.claimed, second.raised, second.risen) == (0, 0, 0)
    assert IsolationAlert.objects.count() == 3
    assert not AlertEvent.objects.exists()  # raising writes the alert row only


def test_the_sweep_works_in_bounded_batches(follow, sweep):
    people = [follow(days_silent=10 + i % 3) for i in range(7)]
    result = sweep(batch_size=3)
    assert result.batches == 3
    assert result.raised == 7
    assert set(IsolationAlert.objects.values_list("beneficiary_id", flat=True)) == {b.pk for b in people}


def test_a_paused_person_raises_nothing_until_the_pause_ends(follow, sweep):
    beneficiary = follow(days_silent=12)
    until = timezone.localdate() + 3 * DAY
    Beneficiary.objects.filter(pk=beneficiary.pk).update(paused_until=until)

    assert sweep().raised == 0
    beneficiary.refresh_from_db()
    # The row leaves the due set and comes back when the pause ends (local midnight after it).
    assert timezone.localtime(beneficiary.alert_after).date() == until + DAY
    assert timezone.localtime(beneficiary.alert_after).time() == datetime.time(0, 0)

    with time_machine.travel(timezone.now() + 2 * DAY):
        assert sweep().claimed == 0
    with time_machine.travel(beneficiary.alert_after + datetime.timedelta(minutes=5)):
        assert sweep().raised == 1
    alert = IsolationAlert.objects.get()
    # The silence during the pause does not count: the alert starts when the pause ends.
    assert alert.started_at == beneficiary.alert_after
    assert alert.severity == Severity.LATE


def test_a_person_paused_by_status_is_left_out_of_the_due_set(follow, sweep):
    beneficiary = follow(days_silent=12)
    Beneficiary.objects.filter(pk=beneficiary.pk).update(status=Beneficiary.Status.PAUSED)
    assert sweep().raised == 0
    beneficiary.refresh_from_db()
    assert beneficiary.alert_after is None


def test_a_contact_recorded_elsewhere_rearms_a_stale_deadline_and_resolves(follow, sweep):
    beneficiary = follow(days_silent=12)
    sweep()
    # A contact written without the ledger (an import, say): the sweep notices on its next look.
    Beneficiary.objects.filter(pk=beneficiary.pk).update(last_contact_at=timezone.now(), alert_after=timezone.now())
    result = sweep()
    assert result.resolved == 1
    beneficiary.refresh_from_db()
    assert beneficiary.alert_after == beneficiary.contact_deadline()
    assert IsolationAlert.objects.get().resolved_at is not None


def test_an_error_on_one_row_pushes_it_out_and_does_not_stop_the_others(follow, settings, sweep):
    broken = follow(days_silent=11)
    others = [follow(days_silent=10 + i) for i in range(4)]
    _fail_alert_inserts_for(broken.pk)
    result = sweep()
    assert result.failed == 1
    assert result.failed_ids == [broken.pk]
    assert result.raised == 4
    assert set(IsolationAlert.objects.values_list("beneficiary_id", flat=True)) == {b.pk for b in others}
    broken.refresh_from_db()
    assert broken.alert_after > timezone.now() + settings.LIENS_SWEEP_RETRY_DELAY - datetime.timedelta(minutes=1)


def _fail_alert_inserts_for(beneficiary_id: int) -> None:
    """A database trigger that refuses alerts for one person: a real error, in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION test_refuse_alert() RETURNS trigger AS $$ BEGIN"
                f" IF NEW.beneficiary_id = {int(beneficiary_id)} THEN RAISE EXCEPTION 'refused for the test'; END IF;"
                " RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER test_refuse_alert BEFORE INSERT ON missions_isolationalert"
                " FOR EACH ROW EXECUTE FUNCTION test_refuse_alert()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER test_refuse_alert BEFORE INSERT ON missions_isolationalert"
                f" WHEN NEW.beneficiary_id = {int(beneficiary_id)} BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )


def test_new_and_risen_alerts_reach_the_coordinators_as_one_digest(follow, coordinator_a, association_b, sweep):
    manager = factories.MembershipFactory(association=coordinator_a.memberships.get().association, role="manager")
    for days in (10, 11, 16):
        follow(days_silent=days)
    followed(association_b, days_silent=12)
    sweep()
    rows = Notification.objects.filter(kind="alert_raised")
    assert set(rows.values_list("recipient_id", flat=True)) == {coordinator_a.pk}
    email = rows.get(recipient=coordinator_a, channel="email")
    assert "3" in email.subject
    assert "/alerts/" in email.body_text
    assert not rows.filter(recipient=manager.user).exists()
    assert not rows.filter(channel="sms").exists()  # no-contact alerts are not urgent


def test_a_second_sweep_sends_no_second_digest(follow, coordinator_a, sweep):
    follow(days_silent=10)
    sweep()
    sweep()
    assert Notification.objects.filter(kind="alert_raised").count() == 1


def _row(**extra) -> DueRow:
    now = timezone.now()
    values = {
        "id": 1,
        "association_id": 1,
        "due_at": now - 3 * DAY,
        "status": "active",
        "paused_until": None,
        "target_days": 7,
        "grace_days": 2,
        "since": now - 12 * DAY,
        "tz": "Europe/Paris",
    }
    return DueRow(**(values | extra))


@pytest.mark.parametrize(
    ("days", "severity", "next_in_days"),
    [(9.5, Severity.LATE, 4.5), (14.5, Severity.OVERDUE, 6.5), (21.5, Severity.CRITICAL, None)],
)
def test_the_step_follows_the_thresholds(days, severity, next_in_days):
    now = timezone.now()
    since = now - datetime.timedelta(days=days)
    row = _row(since=since, due_at=since + 9 * DAY)
    step = no_contact_step(row, now=now, overdue_factor=2, critical_factor=3)
    assert step.severity == severity
    assert step.started_at == since + 9 * DAY
    if next_in_days is None:
        assert step.next_due is None
    else:
        assert step.next_due == now + datetime.timedelta(days=next_in_days)


def test_the_step_never_lowers_an_open_alert():
    now = timezone.now()
    row = _row(alert_id=5, alert_severity=Severity.CRITICAL, alert_started_at=now - DAY)
    step = no_contact_step(row, now=now, overdue_factor=2, critical_factor=3)
    assert step.severity == Severity.CRITICAL
    assert step.next_due is None


def test_both_engines_decide_every_case_alike(association_a, association_b):
    """Random people (silences, targets, pauses, statuses, open alerts): the SQL statement and the
    Python rules must leave the same deadlines, alerts and events."""
    rng = random.Random(7)
    now = timezone.now()
    Association.objects.filter(pk=association_b.pk).update(timezone="America/New_York")
    people = []
    for index in range(120):
        target = rng.choice([1, 3, 7, 14, 30])
        last = now - datetime.timedelta(hours=rng.uniform(0, 24 * 4 * target))
        paused = rng.random() < 0.15
        beneficiary = factories.BeneficiaryFactory(
            association=association_a if index % 3 else association_b,
            contact_target_days=target,
            contact_grace_days=rng.choice([0, 1, 2, 5]),
            status=rng.choices(["active", "paused", "ended"], weights=[8, 1, 1])[0],
            paused_until=timezone.localdate() + datetime.timedelta(days=rng.randint(-3, 3)) if paused else None,
        )
        due = min(last + datetime.timedelta(days=target), now) - datetime.timedelta(hours=rng.uniform(0, 48))
        Beneficiary.objects.filter(pk=beneficiary.pk).update(last_contact_at=last, alert_after=due)
        if rng.random() < 0.3:
            IsolationAlert.objects.create(
                beneficiary=beneficiary,
                association=beneficiary.association,
                kind=IsolationAlert.Kind.NO_CONTACT,
                severity=rng.randint(1, 3),
                started_at=last + datetime.timedelta(days=target),
                raised_at=now - datetime.timedelta(hours=1),
                escalate_after=None if rng.random() < 0.5 else now,
            )
        people.append(beneficiary.pk)

    def outcome(engine: str):
        with transaction.atomic():
            result = isolation_sweep(now=now, engine=engine, batch_size=17)
            state = {
                "raised": result.raised,
                "deadlines": dict(Beneficiary.objects.filter(pk__in=people).values_list("pk", "alert_after")),
                "alerts": sorted(
                    IsolationAlert.objects.values_list(
                        "beneficiary_id", "severity", "started_at", "resolved_at", "acknowledged_at", "escalate_after"
                    )
                ),
                "events": sorted(AlertEvent.objects.values_list("alert__beneficiary_id", "kind", "data")),
            }
            transaction.set_rollback(True)
        return state

    if connection.vendor != "postgresql":
        pytest.skip("the single-statement engine is PostgreSQL's")
    python, sql = outcome("python"), outcome("sql")
    assert python["deadlines"] == sql["deadlines"]
    assert python["alerts"] == sql["alerts"]
    assert python["events"] == sql["events"]
    kinds = {kind for _, kind, _ in python["events"]}
    assert kinds == {"severity", "resolved"}  # with new alerts, the sample covers every branch
    assert python["raised"] == sql["raised"] > 0


def test_the_digest_reads_the_names_in_one_query_however_many_people(follow, coordinator_a):
    """The digest names up to ten people: their names come in one query (display_name reads
    erased_at too, so a narrower .only() would fetch it person by person)."""

    def queries_for(count: int) -> int:
        people = [follow(days_silent=10) for _ in range(count)]
        items = [
            RaisedItem(1000 + n, person.pk, person.association_id, IsolationAlert.Kind.NO_CONTACT, 1, None)
            for n, person in enumerate(people)
        ]
        with CaptureQueriesContext(connection) as captured:
            alerts_raised_notify(items=items)
        return len(captured)

    assert queries_for(2) == queries_for(8)
