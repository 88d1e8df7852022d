"""The contact ledger: one Contact row per contact, with the deadline kept alongside."""

import datetime
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone

from liens.errors import DomainError
from missions.alerts.sweep import isolation_sweep
from missions.ledger import alert_deadline_restore, alert_deadline_suspend, contact_record
from missions.models import AlertEvent, Beneficiary, Contact, IsolationAlert
from tests import factories

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_a_contact_moves_last_contact_and_the_deadline_in_one_go(follow, coordinator_a):
    beneficiary = follow(days_silent=5, target=7, grace=2)
    when = timezone.now() - datetime.timedelta(hours=2)
    contact = contact_record(
        beneficiary=beneficiary, kind=Contact.Kind.STAFF_CALL, occurred_at=when, recorded_by=coordinator_a
    )
    beneficiary.refresh_from_db()
    assert contact.recorded_by == coordinator_a
    assert beneficiary.last_contact_at == when
    assert beneficiary.alert_after == when + 9 * DAY
    assert beneficiary.alert_after == beneficiary.contact_deadline()


def test_an_older_contact_reported_late_never_moves_the_clock_back(follow):
    beneficiary = follow(days_silent=1)
    latest = beneficiary.last_contact_at
    contact_record(beneficiary=beneficiary, kind=Contact.Kind.FAMILY, occurred_at=latest - 4 * DAY)
    beneficiary.refresh_from_db()
    assert beneficiary.last_contact_at == latest
    assert beneficiary.contacts.count() == 2


def test_a_visit_is_written_to_the_ledger_once(association_a):
    visit = factories.VisitFactory(
        match__mission__beneficiary=factories.BeneficiaryFactory(association=association_a),
        starts_at=timezone.now() - 3 * datetime.timedelta(hours=1),
    )
    beneficiary = visit.match.mission.beneficiary
    first = contact_record(beneficiary=beneficiary, kind=Contact.Kind.VISIT, occurred_at=visit.starts_at, visit=visit)
    again = contact_record(beneficiary=beneficiary, kind=Contact.Kind.VISIT, occurred_at=visit.starts_at, visit=visit)
    assert first.pk == again.pk
    assert Contact.objects.filter(visit=visit).count() == 1


def test_a_visit_of_someone_else_is_refused(association_a):
    visit = factories.VisitFactory(match__mission__beneficiary=factories.BeneficiaryFactory(association=association_a))
    stranger = factories.BeneficiaryFactory(association=association_a)
    with pytest.raises(DomainError) as error:
        contact_record(beneficiary=stranger, kind=Contact.Kind.VISIT, occurred_at=timezone.now(), visit=visit)
    assert error.value.field == "visit"
    assert not Contact.objects.exists()


def test_a_contact_in_the_future_is_refused_and_nothing_is_written(follow):
    beneficiary = follow(days_silent=2)
    before = beneficiary.last_contact_at
    with pytest.raises(DomainError) as error:
        contact_record(beneficiary=beneficiary, kind=Contact.Kind.CALL, occurred_at=timezone.now() + 2 * DAY)
    assert error.value.field == "occurred_at"
    beneficiary.refresh_from_db()
    assert beneficiary.last_contact_at == before
    assert beneficiary.contacts.count() == 1


def test_a_new_contact_resolves_the_open_no_contact_alert(follow, coordinator_a):
    beneficiary = follow(days_silent=12)
    isolation_sweep()
    alert = IsolationAlert.objects.get(beneficiary=beneficiary)
    contact_record(
        beneficiary=beneficiary, kind=Contact.Kind.OUTING, occurred_at=timezone.now(), recorded_by=coordinator_a
    )
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert alert.resolution == "new contact"
    assert alert.escalate_after is None
    resolved = alert.events.get(kind=AlertEvent.Kind.RESOLVED)
    assert resolved.author == coordinator_a
    assert resolved.data["contact_kind"] == Contact.Kind.OUTING


def test_an_old_contact_logged_today_leaves_the_alert_open(follow):
    beneficiary = follow(days_silent=20)
    isolation_sweep()
    contact_record(beneficiary=beneficiary, kind=Contact.Kind.FAMILY, occurred_at=timezone.now() - 15 * DAY)
    assert IsolationAlert.objects.get(beneficiary=beneficiary).resolved_at is None


def test_an_urgent_concern_is_not_resolved_by_a_contact(follow):
    beneficiary = follow(days_silent=1)
    alert = IsolationAlert.objects.create(
        beneficiary=beneficiary,
        association=beneficiary.association,
        kind=IsolationAlert.Kind.URGENT_CONCERN,
        severity=IsolationAlert.Severity.URGENT,
        started_at=timezone.now(),
        raised_at=timezone.now(),
    )
    contact_record(beneficiary=beneficiary, kind=Contact.Kind.CALL, occurred_at=timezone.now())
    alert.refresh_from_db()
    assert alert.resolved_at is None


def test_suspend_and_restore_follow_the_pause(follow):
    beneficiary = follow(days_silent=3)
    until = timezone.localdate() + 10 * DAY
    Beneficiary.objects.filter(pk=beneficiary.pk).update(status=Beneficiary.Status.PAUSED, paused_until=until)
    alert_deadline_suspend(beneficiary=beneficiary)
    beneficiary.refresh_from_db()
    assert beneficiary.alert_after is None

    Beneficiary.objects.filter(pk=beneficiary.pk).update(status=Beneficiary.Status.ACTIVE, paused_until=None)
    alert_deadline_restore(beneficiary=beneficiary)
    beneficiary.refresh_from_db()
    assert beneficiary.alert_after == beneficiary.contact_deadline()


def _never_contacted(association, *, followed_days_ago: int) -> Beneficiary:
    return factories.BeneficiaryFactory(
        association=association, followed_since=timezone.now() - followed_days_ago * DAY
    )


def test_a_never_contacted_person_back_from_a_pause_keeps_the_deadline_counted_from_when_first_followed(
    association_a,
):
    beneficiary = _never_contacted(association_a, followed_days_ago=3)
    alert_deadline_restore(beneficiary=beneficiary)
    beneficiary.refresh_from_db()
    # Not a fresh target + grace from the resume: the silence started 3 days ago.
    assert beneficiary.alert_after == beneficiary.followed_since + 9 * DAY


def test_a_never_contacted_person_whose_deadline_passed_during_a_pause_is_due_at_once(association_a):
    beneficiary = _never_contacted(association_a, followed_days_ago=20)
    before = timezone.now()
    alert_deadline_restore(beneficiary=beneficiary)
    beneficiary.refresh_from_db()
    assert before <= beneficiary.alert_after <= timezone.now()


def test_a_never_contacted_person_silent_through_a_pause_is_alerted_once_back(association_a, fixed_clock):
    beneficiary = _never_contacted(association_a, followed_days_ago=6)
    until = timezone.localdate() + 5 * DAY
    Beneficiary.objects.filter(pk=beneficiary.pk).update(status=Beneficiary.Status.PAUSED, paused_until=until)
    alert_deadline_suspend(beneficiary=beneficiary)
    Beneficiary.objects.filter(pk=beneficiary.pk).update(status=Beneficiary.Status.ACTIVE, paused_until=None)
    fixed_clock.move_to(timezone.now() + 7 * DAY)
    alert_deadline_restore(beneficiary=beneficiary)
    isolation_sweep()
    alert = IsolationAlert.objects.get(beneficiary=beneficiary, kind=IsolationAlert.Kind.NO_CONTACT)
    # Followed 13 days ago with 7 + 2 allowed: late 4 days ago, during the pause, so the alert
    # starts when the person is back (the paused days do not count towards severity).
    assert alert.started_at >= timezone.now() - datetime.timedelta(minutes=1)


def test_restore_after_a_long_pause_makes_the_person_due_now_not_in_the_past(follow):
    beneficiary = follow(days_silent=30)
    before = timezone.now()
    alert_deadline_restore(beneficiary=beneficiary)
    beneficiary.refresh_from_db()
    assert before <= beneficiary.alert_after <= timezone.now()


def test_people_already_followed_get_the_best_known_start_of_their_silence(association_a):
    backfill = import_module("missions.migrations.0012_beneficiary_followed_since").backfill
    now = timezone.now()
    consented = factories.BeneficiaryFactory(
        association=association_a, status=Beneficiary.Status.ENDED, consent_on=(now - 50 * DAY).date()
    )
    called_first = factories.BeneficiaryFactory(
        association=association_a, status=Beneficiary.Status.ENDED, consent_on=(now - 50 * DAY).date()
    )
    intake = factories.BeneficiaryFactory(association=association_a, status=Beneficiary.Status.INTAKE)
    Beneficiary.objects.filter(pk__in=[consented.pk, called_first.pk]).update(
        created_at=now - 60 * DAY, followed_since=None
    )
    Contact.objects.create(beneficiary=called_first, kind=Contact.Kind.CALL, occurred_at=now - 55 * DAY)

    backfill(apps, None)

    consented.refresh_from_db()
    called_first.refresh_from_db()
    intake.refresh_from_db()
    # Activation needs consent: not before the consent date (midnight UTC, the earliest it can be).
    assert consented.followed_since == datetime.datetime.combine(
        (now - 50 * DAY).date(), datetime.time.min, tzinfo=datetime.UTC
    )
    # A contact recorded before that proves the person was followed by then.
    assert called_first.followed_since == now - 55 * DAY
    assert intake.followed_since is None
