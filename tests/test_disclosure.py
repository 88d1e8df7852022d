"""Who may see which private detail of a person (missions/disclosure.py), and that the access
log names exactly what each page and API answer shows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from liens.errors import DomainError
from liens.models import SensitiveAccess
from missions import disclosure
from missions.models import ApaPlan, Association, IsolationAlert, KeyContact, Match, Membership, Mission
from missions.volunteer.services import beneficiary_contact_reveal
from tests import factories

EVERY_PART = disclosure.PARTS
VISITOR = (disclosure.ADDRESS, disclosure.PHONE, disclosure.NOTES)


@pytest.fixture
def person(association_a):
    return factories.BeneficiaryFactory(
        association=association_a, phone="04 78 12 34 56", address="5 rue Dumenge", access_notes="Code 4512B"
    )


def _visitor(person, status):
    ended_at = timezone.now() if status == Match.Status.ENDED else None
    match = factories.MatchFactory(
        mission=factories.MissionFactory(beneficiary=person), status=status, ended_at=ended_at
    )
    return match.volunteer


def _log():
    return list(SensitiveAccess.objects.values_list("user_id", "what"))


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("coordinator_a", EVERY_PART),
        ("admin_user", EVERY_PART),
        ("coordinator_b", ()),
        ("volunteer", ()),
    ],
)
def test_staff_of_the_persons_association_and_admins_see_everything_others_nothing(request, person, who, allowed):
    user = request.getfixturevalue(who)
    assert disclosure.parts_allowed(getattr(user, "user", user), person) == frozenset(allowed)


@pytest.mark.parametrize(
    ("status", "sees"),
    [
        (Match.Status.ACTIVE, True),
        (Match.Status.PROPOSED, False),
        (Match.Status.ACCEPTED, False),
        (Match.Status.PAUSED, False),
        (Match.Status.ENDED, False),
    ],
)
def test_a_volunteer_sees_address_phone_and_notes_only_while_a_match_is_active(person, status, sees):
    visitor = _visitor(person, status)
    assert disclosure.parts_allowed(visitor.user, person) == (frozenset(VISITOR) if sees else set())


@pytest.mark.parametrize(
    "who",
    [
        "coordinator_a",
        "admin_user",
        "coordinator_b",
        "volunteer",
        *(f"visitor:{status}" for status in ("active", "proposed", "accepted", "paused", "ended")),
        "home_care:in_force",
        "home_care:ended",
    ],
)
def test_a_list_read_in_bulk_gets_the_same_answer_as_one_person_at_a_time(request, person, association_a, who):
    if who.startswith("visitor:"):
        user = _visitor(person, who.split(":")[1]).user
    elif who.startswith("home_care:"):
        # A professional of a home-care service delivering an APA plan of the person's.
        service = factories.AssociationFactory(kind=Association.Kind.HOME_CARE)
        user = factories.MembershipFactory(association=service, role=Membership.Role.PROFESSIONAL).user
        today = timezone.localdate()
        ends_on = None if who.endswith("in_force") else today - datetime.timedelta(days=1)
        ApaPlan.objects.create(
            beneficiary=person,
            service=service,
            hours_per_month=4,
            starts_on=today - datetime.timedelta(days=30),
            ends_on=ends_on,
        )
    else:
        user = request.getfixturevalue(who)
        user = getattr(user, "user", user)
    stranger = factories.BeneficiaryFactory(association=association_a)
    missions = [factories.MissionFactory(beneficiary=p) for p in (person, stranger, person)]
    rows = disclosure.with_parts_allowed(
        Mission.objects.filter(pk__in=[m.pk for m in missions]), user, beneficiary="beneficiary"
    )
    bulk = {row.pk: disclosure.parts_allowed_for(row, user) for row in rows}
    assert bulk == {m.pk: disclosure.parts_allowed(user, m.beneficiary) for m in missions}
    # Read as named rows, as a list that loads no model does, the annotations answer the same.
    named = rows.values_list("pk", *disclosure.ANNOTATIONS, named=True)
    assert {row.pk: disclosure.parts_allowed_for(row, user) for row in named} == bulk
    if who == "home_care:in_force":
        assert bulk[missions[0].pk] == disclosure.HOME_CARE_PARTS and bulk[missions[1].pk] == frozenset()


def test_staff_of_another_association_is_refused_and_nothing_is_logged(person, coordinator_b):
    with pytest.raises(DomainError) as refused:
        disclosure.private_details(beneficiary=person, by=coordinator_b, parts=[disclosure.PHONE])
    assert refused.value.code == "forbidden"
    assert _log() == []


def test_staff_of_the_association_reads_and_the_log_names_exactly_the_parts(person, coordinator_a):
    details = disclosure.private_details(
        beneficiary=person, by=coordinator_a, parts=[disclosure.KEY_CONTACTS, disclosure.PHONE]
    )
    assert details.parts == (disclosure.PHONE, disclosure.KEY_CONTACTS)
    assert details.phone == "04 78 12 34 56" and details.address == ""
    assert _log() == [(coordinator_a.pk, "phone+key_contacts")]


def test_a_visitor_asking_for_more_than_their_parts_gets_nothing(person):
    visitor = _visitor(person, Match.Status.ACTIVE)
    with pytest.raises(DomainError):
        disclosure.private_details(beneficiary=person, by=visitor.user, parts=[*VISITOR, disclosure.KEY_CONTACTS])
    assert _log() == []


def test_the_volunteer_reveal_follows_the_match_and_logs_what_it_shows(person):
    match = factories.MatchFactory(mission=factories.MissionFactory(beneficiary=person), status=Match.Status.PROPOSED)
    assert beneficiary_contact_reveal(match=match, volunteer=match.volunteer) is None
    assert _log() == []

    Match.objects.filter(pk=match.pk).update(status=Match.Status.ACTIVE)
    match.refresh_from_db()
    contact = beneficiary_contact_reveal(match=match, volunteer=match.volunteer)
    assert (contact.address, contact.phone, contact.access_notes) == ("5 rue Dumenge", "04 78 12 34 56", "Code 4512B")
    assert _log() == [(match.volunteer.user_id, "address+phone+notes")]

    Match.objects.filter(pk=match.pk).update(status=Match.Status.ENDED, ended_at=timezone.now())
    match.refresh_from_db()
    assert beneficiary_contact_reveal(match=match, volunteer=match.volunteer) is None
    assert len(_log()) == 1


def test_another_volunteer_never_gets_the_reveal(person, volunteer):
    match = factories.MatchFactory(mission=factories.MissionFactory(beneficiary=person), status=Match.Status.ACTIVE)
    assert beneficiary_contact_reveal(match=match, volunteer=volunteer) is None
    assert _log() == []


@pytest.fixture
def alert(person):
    KeyContact.objects.create(beneficiary=person, kind=KeyContact.Kind.FAMILY, name="Sophie", phone="06 01 02 03 04")
    return IsolationAlert.objects.create(
        beneficiary=person,
        association=person.association,
        kind=IsolationAlert.Kind.NO_CONTACT,
        started_at=timezone.now(),
        raised_at=timezone.now(),
    )


def test_the_alert_page_logs_the_address_it_shows(alert, coordinator_a, coordinator_a_client):
    html = coordinator_a_client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert "5 rue Dumenge" in html and "04 78 12 34 56" in html and "Sophie" in html
    assert _log() == [(coordinator_a.pk, "address+phone+key_contacts+notes")]


def test_the_alert_api_logs_what_it_answers_which_has_no_address(alert, coordinator_a, coordinator_a_client):
    body = coordinator_a_client.get(f"/api/alerts/{alert.pk}/").json()
    assert body["phone"] == "04 78 12 34 56" and body["key_contacts"][0]["name"] == "Sophie"
    assert "5 rue Dumenge" not in str(body)
    assert _log() == [(coordinator_a.pk, "phone+key_contacts+notes")]


def test_the_staff_file_page_logs_the_file_it_shows(person, coordinator_a, coordinator_a_client):
    html = coordinator_a_client.get(reverse("association:beneficiary", args=[person.pk])).content.decode()
    assert "5 rue Dumenge" in html
    assert _log() == [(coordinator_a.pk, "address+phone+key_contacts+notes")]
