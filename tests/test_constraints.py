"""Invariants the database itself enforces."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from liens.choices import VisitKind
from liens.models import Notification
from missions.models import Beneficiary, IsolationAlert, Match, Mission
from tests import factories

pytestmark = pytest.mark.django_db


def _alert(beneficiary, **extra):
    now = timezone.now()
    extra.setdefault("association", beneficiary.association)
    return IsolationAlert.objects.create(
        beneficiary=beneficiary,
        kind=IsolationAlert.Kind.NO_CONTACT,
        started_at=now,
        raised_at=now,
        **extra,
    )


def test_only_one_open_alert_per_beneficiary_and_kind():
    beneficiary = factories.BeneficiaryFactory()
    _alert(beneficiary)
    with pytest.raises(IntegrityError), transaction.atomic():
        _alert(beneficiary)


def test_an_alert_belongs_to_its_person_s_association():
    if connection.vendor != "postgresql":
        pytest.skip("the composite foreign key is PostgreSQL's; SQLite keeps single-column keys")
    beneficiary = factories.BeneficiaryFactory()
    elsewhere = factories.AssociationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the key is checked at commit otherwise
        _alert(beneficiary, association=elsewhere)
    assert not IsolationAlert.objects.exists()
    assert _alert(beneficiary).association_id == beneficiary.association_id


def test_a_resolved_alert_does_not_block_a_new_one():
    beneficiary = factories.BeneficiaryFactory()
    _alert(beneficiary, resolved_at=timezone.now())
    assert _alert(beneficiary).pk


def test_a_dedup_key_is_sent_once():
    user = factories.UserFactory()
    Notification.objects.create(recipient=user, channel="email", kind="test", dedup_key="visit:1:eve:email")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=user, channel="email", kind="test", dedup_key="visit:1:eve:email")


def test_one_live_match_per_volunteer_and_mission_but_history_is_kept():
    match = factories.MatchFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(volunteer=match.volunteer, mission=match.mission, status=Match.Status.PROPOSED)
    match.status = Match.Status.ENDED
    match.ended_at = timezone.now()
    match.save()
    assert Match.objects.create(volunteer=match.volunteer, mission=match.mission).pk


def test_a_beneficiary_cannot_be_active_without_consent():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.BeneficiaryFactory(consent_on=None, status=Beneficiary.Status.ACTIVE)
    assert factories.BeneficiaryFactory(consent_on=None, consent_by="", status=Beneficiary.Status.INTAKE).pk


@pytest.mark.parametrize("days", [0, 91])
def test_the_contact_target_stays_in_range(days):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.BeneficiaryFactory(contact_target_days=days)


def test_a_group_event_has_no_beneficiary_and_other_kinds_have_one():
    beneficiary = factories.BeneficiaryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.MissionFactory(beneficiary=beneficiary, kind=VisitKind.GROUP_EVENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Mission.objects.create(
            association=beneficiary.association,
            kind=VisitKind.HOME_VISIT,
            title="x",
            recurrence=Mission.Recurrence.WEEKLY,
            weekday=2,
            local_time=datetime.time(10),
        )


def test_a_weekly_mission_needs_its_weekday_and_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.MissionFactory(weekday=None)


def test_a_visit_ends_after_it_starts():
    start = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.VisitFactory(starts_at=start, ends_at=start)


def test_a_volunteer_radius_stays_in_range():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.VolunteerFactory(travel_radius_km=0)


def test_contact_deadline_is_last_contact_plus_target_plus_grace():
    last = timezone.now() - datetime.timedelta(days=3)
    beneficiary = factories.BeneficiaryFactory(last_contact_at=last, contact_target_days=7, contact_grace_days=2)
    assert beneficiary.contact_deadline() == last + datetime.timedelta(days=9)
