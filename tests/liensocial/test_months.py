"""Month rules, the 9-hour cap, overlapping plans and what a session writes (ledger, alert)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from liens.errors import DomainError
from liens.models import Notification
from missions.liensocial import months
from missions.liensocial.services import plan_create, plan_end, session_record, session_urgent_notify
from missions.models import ApaPlan, Beneficiary, Contact, IsolationAlert, LienSocialSession

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


def record(plan, professional, starts_at, minutes=60, **extra):
    fields = {"activity": "games", "mood": "good"} | extra
    return session_record(plan=plan, professional=professional, starts_at=starts_at, duration_minutes=minutes, **fields)


def test_a_session_on_the_last_evening_of_a_month_counts_in_that_month_in_paris_time(plan_a, professional_a):
    # 31 October 23:30 in Paris is 22:30 UTC: October. 1 November 00:30 in Paris is still
    # 31 October in UTC (23:30): November, as the service counts.
    record(plan_a, professional_a, at(2026, 10, 31, 23, 30), minutes=45)
    record(plan_a, professional_a, at(2026, 11, 1, 0, 30), minutes=30)
    october = months.plan_month(plan_a, 2026, 10, tz="Europe/Paris")
    november = months.plan_month(plan_a, 2026, 11, tz="Europe/Paris")
    assert (october.delivered_minutes, october.sessions) == (45, 1)
    assert (november.delivered_minutes, november.sessions) == (30, 1)
    assert november.remaining_minutes == 6 * 60 - 30


def test_a_summer_month_ends_at_paris_midnight_too(plan_a, professional_a):
    record(plan_a, professional_a, at(2026, 8, 31, 23, 50), minutes=30)  # 21:50 UTC
    record(plan_a, professional_a, at(2026, 9, 1, 1, 0), minutes=60)  # 31 August 23:00 UTC
    assert months.plan_month(plan_a, 2026, 8, tz="Europe/Paris").delivered_minutes == 30
    assert months.plan_month(plan_a, 2026, 9, tz="Europe/Paris").delivered_minutes == 60


def test_sessions_beyond_the_plan_need_a_reason(plan_a, professional_a):
    for day in (2, 3, 4):
        record(plan_a, professional_a, at(2026, 11, day, 14), minutes=120)  # 6 h: the plan
    with pytest.raises(DomainError) as refused:
        record(plan_a, professional_a, at(2026, 11, 5, 14), minutes=30)
    assert refused.value.field == "over_plan_reason"
    assert "6 h" in str(refused.value.message)
    assert LienSocialSession.objects.count() == 3
    record(plan_a, professional_a, at(2026, 11, 5, 14), minutes=30, over_plan_reason="Rendez-vous rattrapé")
    assert months.plan_month(plan_a, 2026, 11, tz="Europe/Paris").delivered_minutes == 6 * 60 + 30


def test_nine_hours_is_the_cap_of_a_full_plan_without_a_reason(person_a, service_a, coordinator_a, professional_a):
    plan = plan_create(
        beneficiary=person_a,
        service=service_a,
        hours_per_month=9,
        starts_on=datetime.date(2026, 11, 1),
        by=coordinator_a,
    )
    for day in range(2, 11):
        record(plan, professional_a, at(2026, 11, day, 10), minutes=60)  # exactly 9 h: fine
    with pytest.raises(DomainError) as refused:
        record(plan, professional_a, at(2026, 11, 12, 10), minutes=15)
    assert refused.value.field == "over_plan_reason"
    assert "9" in str(refused.value.message)
    # A new month starts from zero.
    with time_machine.travel(at(2026, 12, 2, 9), tick=True):
        record(plan, professional_a, at(2026, 12, 1, 0, 15), minutes=60)
    with pytest.raises(DomainError) as refused:
        record(plan, professional_a, at(2026, 12, 1, 0, 15), minutes=60)
    assert refused.value.field == "starts_at"  # not yet: a session is recorded once it took place


def test_a_plan_beyond_nine_hours_is_refused_by_the_service_and_the_database(person_a, service_a, coordinator_a):
    with pytest.raises(DomainError) as refused:
        plan_create(
            beneficiary=person_a,
            service=service_a,
            hours_per_month=10,
            starts_on=datetime.date(2026, 11, 1),
            by=coordinator_a,
        )
    assert refused.value.field == "hours_per_month"
    with pytest.raises(IntegrityError), transaction.atomic():
        ApaPlan.objects.create(
            beneficiary=person_a, service=service_a, hours_per_month=10, starts_on=datetime.date(2026, 11, 1)
        )


def test_plans_of_one_person_never_overlap(plan_a, person_a, service_a, service_b, coordinator_a):
    # plan_a: from 1 January 2026, open-ended.
    with pytest.raises(DomainError) as refused:
        plan_create(
            beneficiary=person_a,
            service=service_b,
            hours_per_month=3,
            starts_on=datetime.date(2026, 12, 1),
            by=coordinator_a,
        )
    assert refused.value.field == "starts_on"
    with pytest.raises(DomainError):  # ending before it starts, entirely inside: still overlapping
        plan_create(
            beneficiary=person_a,
            service=service_b,
            hours_per_month=3,
            starts_on=datetime.date(2025, 12, 1),
            ends_on=datetime.date(2026, 1, 1),
            by=coordinator_a,
        )
    before = plan_create(
        beneficiary=person_a,
        service=service_b,
        hours_per_month=3,
        starts_on=datetime.date(2025, 6, 1),
        ends_on=datetime.date(2025, 12, 31),
        by=coordinator_a,
    )
    plan_end(plan=plan_a, ends_on=datetime.date(2026, 11, 30), by=coordinator_a)
    after = plan_create(
        beneficiary=person_a,
        service=service_b,
        hours_per_month=3,
        starts_on=datetime.date(2026, 12, 1),
        by=coordinator_a,
    )
    assert ApaPlan.objects.filter(beneficiary=person_a).count() == 3
    assert {before.service_id, after.service_id} == {service_b.pk}


def test_only_the_persons_association_gives_a_plan_and_only_with_a_home_care_service(
    person_a, service_a, coordinator_b, coordinator_a, association_b, manager_a
):
    for outsider in (coordinator_b, manager_a):
        with pytest.raises(DomainError) as refused:
            plan_create(
                beneficiary=person_a,
                service=service_a,
                hours_per_month=3,
                starts_on=datetime.date(2026, 11, 1),
                by=outsider,
            )
        assert refused.value.code == "forbidden"
    with pytest.raises(DomainError) as refused:
        plan_create(
            beneficiary=person_a,
            service=association_b,
            hours_per_month=3,
            starts_on=datetime.date(2026, 11, 1),
            by=coordinator_a,
        )
    assert refused.value.field == "service"


def test_a_session_is_a_contact_that_resets_the_silence_clock(plan_a, professional_a, person_a):
    starts_at = at(2026, 11, 18, 9)
    session = record(plan_a, professional_a, starts_at, notes="A parlé de son jardin")
    contact = Contact.objects.get(pk=session.contact_id)
    assert (contact.kind, contact.occurred_at, contact.recorded_by) == ("lien_social", starts_at, professional_a)
    person = Beneficiary.objects.get(pk=person_a.pk)
    assert person.last_contact_at == starts_at
    assert person.alert_after > starts_at


def test_an_urgent_concern_raises_an_urgent_alert_at_once_and_tells_the_coordinators(
    plan_a, professional_a, coordinator_a
):
    session = record(plan_a, professional_a, at(2026, 11, 18, 9), mood="worrying", concerns=["fall", "lonely"])
    alert = IsolationAlert.objects.get(beneficiary=plan_a.beneficiary, kind=IsolationAlert.Kind.URGENT_CONCERN)
    assert alert.lien_social_session_id == session.pk and alert.report_id is None
    assert alert.severity == IsolationAlert.Severity.URGENT
    assert Notification.objects.filter(recipient=coordinator_a, kind="alert_raised").exists()
    # A second urgent session adds a note to the open alert, not a second alert.
    record(plan_a, professional_a, at(2026, 11, 18, 9, 30), mood="low", concerns=["no_food"])
    assert IsolationAlert.objects.filter(kind=IsolationAlert.Kind.URGENT_CONCERN).count() == 1
    assert alert.events.filter(kind="note", data__lien_social_session__isnull=False).count() == 1


def test_an_urgent_session_alerts_the_association_and_tells_the_services_manager_at_once(
    plan_a, professional_a, manager_a, manager_b, coordinator_a
):
    manager_a.phone = "+33612345678"
    manager_a.save(update_fields=["phone"])
    # An evening session, recorded at night: urgency is not held until the morning.
    with time_machine.travel(at(2026, 11, 18, 23, 10), tick=True):
        session = record(plan_a, professional_a, at(2026, 11, 18, 21, 30), mood="worrying", concerns=["fall"])
    # The alert is the association's: its coordinators hear of it, the service's manager does not.
    alert = IsolationAlert.objects.get(beneficiary=plan_a.beneficiary, kind=IsolationAlert.Kind.URGENT_CONCERN)
    assert alert.association_id == plan_a.beneficiary.association_id
    assert Notification.objects.filter(recipient=coordinator_a, kind="alert_raised", payload__urgent=True).exists()
    assert not Notification.objects.filter(recipient=manager_a, kind="alert_raised").exists()
    # The manager is told at once, by SMS too, urgent (never held by quiet hours).
    notices = Notification.objects.filter(recipient=manager_a, kind="lien_social_urgent")
    assert {(row.channel, row.payload["urgent"]) for row in notices} == {("email", True), ("sms", True)}
    email = notices.get(channel="email")
    assert "Odette M." in email.subject
    assert "21:30" in email.body_text and "Une chute" in email.body_text
    assert "association de la personne est alertée" in email.body_text
    assert f"/lien-social/plans/{plan_a.pk}/session/?service={plan_a.service_id}" in email.body_text
    assert f"/alerts/{alert.pk}" not in email.body_text + notices.get(channel="sms").body_text
    # Nobody else's manager hears of it, and recording it again is no second notice.
    assert not Notification.objects.filter(recipient=manager_b).exists()
    assert session_urgent_notify(session=session) == 0


def test_a_session_without_an_urgent_concern_alerts_nobody(plan_a, professional_a, manager_a, coordinator_a):
    with time_machine.travel(at(2026, 11, 18, 11), tick=True):
        record(plan_a, professional_a, at(2026, 11, 18, 9), mood="low", concerns=["lonely"])
    assert not IsolationAlert.objects.exists()
    assert not Notification.objects.filter(kind__in=["alert_raised", "lien_social_urgent"]).exists()


def test_a_session_is_refused_to_another_service_and_outside_the_plan(plan_a, professional_b, professional_a):
    with pytest.raises(DomainError) as refused:
        record(plan_a, professional_b, at(2026, 11, 18, 9))
    assert refused.value.code == "forbidden"
    with pytest.raises(DomainError) as refused:
        record(plan_a, professional_a, at(2025, 12, 31, 9))  # before the plan
    assert refused.value.field == "starts_at"
    with pytest.raises(DomainError) as refused:
        record(plan_a, professional_a, at(2026, 11, 18, 9), activity="dancing")
    assert refused.value.field == "activity"
    assert not LienSocialSession.objects.exists() and not Contact.objects.exists()


def test_a_home_care_service_neither_vets_volunteers_nor_posts_missions(service_a, manager_a):
    from missions.association.missions import mission_create
    from missions.scoping import NOT_FOR_HOME_CARE, vetting_refusal

    assert vetting_refusal(manager_a, service_a) == str(NOT_FOR_HOME_CARE)
    with pytest.raises(DomainError) as refused:
        mission_create(association=service_a, by=manager_a, kind="home_visit", title="Visite")
    assert refused.value.code == "forbidden"
