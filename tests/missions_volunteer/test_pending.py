"""A volunteer awaiting vetting: where they stand, what is open to them now, and what opens once
they are vetted (every matching rule but vetting), clearly set apart."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liens.choices import VisitKind
from missions.volunteer.selectors import mission_recommendations
from tests import factories
from volunteers.models import Volunteer
from volunteers.vetting import vetting_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(volunteer):
    """Signed up, wizard done, free on Tuesday afternoons, vetting not started."""
    factories.AvailabilitySlotFactory(volunteer=volunteer)
    Volunteer.objects.filter(pk=volunteer.pk).update(
        vetting_state=Volunteer.Vetting.PENDING, approved_at=None, profile_steps_done=["availability", "charter"]
    )
    volunteer.refresh_from_db()
    return volunteer


@pytest.fixture
def home_visit(association_a):
    person = factories.BeneficiaryFactory(association=association_a, first_name="Simone", last_name="Rivière")
    return factories.MissionFactory(beneficiary=person, title="Visite du mardi")


@pytest.fixture
def phone_call(association_a):
    person = factories.BeneficiaryFactory(association=association_a, first_name="Lucien", last_name="Morel")
    return factories.MissionFactory(beneficiary=person, title="Appel du mardi", kind=VisitKind.PHONE_CALL)


def _sections(page: str) -> tuple[str, str]:
    """The "open to you now" and "once you are vetted" parts of the page."""
    now = page.index("Ouvertes pour vous dès maintenant")
    later = page.index("Après votre validation")
    return page[now:later], page[later:]


def test_a_newcomer_sees_where_they_stand_and_both_kinds_of_missions(
    volunteer_client, newcomer, home_visit, phone_call
):
    page = volunteer_client.get(reverse("volunteers:missions")).content.decode()
    assert "Où en est votre inscription" in page
    # The timeline: the charter is theirs and done; the interview is next and the coordinator's.
    assert "Charte et consentement" in page and "Prochaine étape" in page
    assert "vous appelle pour vous rencontrer, en général sous une semaine" in page
    now, later = _sections(page)
    assert "Lucien M." in now and "Je peux aider" in now
    assert "Simone R." in later and "Une fois validé·e" in later
    assert "Je peux aider" not in later
    assert reverse("volunteers:mission_offer", args=[home_visit.pk]) not in page


def test_once_vetted_lists_exactly_what_approval_opens(newcomer, home_visit, phone_call, coordinator_a):
    cards = mission_recommendations(newcomer)
    ahead = {card.mission_id for card in cards if card.needs_approval}
    assert ahead == {home_visit.pk}
    for step in ["interview", "training", "background_check"]:
        vetting_record(volunteer=newcomer, step=step, on=timezone.localdate(), by=coordinator_a)
    newcomer.refresh_from_db()
    assert newcomer.vetting_state == Volunteer.Vetting.APPROVED
    opened = {card.mission_id for card in mission_recommendations(newcomer)}
    assert opened == ahead | {phone_call.pk}


def test_a_mission_another_rule_excludes_is_not_shown_once_vetted_either(volunteer_client, newcomer, association_a):
    person = factories.BeneficiaryFactory(association=association_a, first_name="Paulette")
    factories.MissionFactory(beneficiary=person, weekday=4)  # Friday: she is free on Tuesdays only
    page = volunteer_client.get(reverse("volunteers:missions")).content.decode()
    assert "Paulette" not in page


def test_the_empty_states_say_what_happens_next(volunteer_client, newcomer):
    page = volunteer_client.get(reverse("volunteers:missions")).content.decode()
    now, later = _sections(page)
    assert "Nous vous écrirons dès qu’il y en aura un" in now
    assert "nous vous écrirons quand l’une vous correspondra" in later


def test_an_approved_volunteer_sees_no_timeline_and_can_offer(volunteer_client, volunteer, home_visit):
    factories.AvailabilitySlotFactory(volunteer=volunteer)
    page = volunteer_client.get(reverse("volunteers:missions")).content.decode()
    assert "Où en est votre inscription" not in page and "Après votre validation" not in page
    assert reverse("volunteers:mission_offer", args=[home_visit.pk]) in page


def test_the_page_reads_a_constant_number_of_queries(volunteer_client, newcomer, association_a, home_visit):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert volunteer_client.get(reverse("volunteers:missions")).status_code == 200
        return len(queries)

    one = count()
    for hour in (9, 10, 11):
        person = factories.BeneficiaryFactory(association=association_a)
        factories.MissionFactory(beneficiary=person, local_time=datetime.time(hour + 6, 0))
    assert count() == one


def test_the_vetting_page_shows_the_same_timeline(volunteer_client, newcomer, coordinator_a):
    vetting_record(volunteer=newcomer, step="interview", on=timezone.localdate(), by=coordinator_a)
    page = volunteer_client.get(reverse("volunteers:vetting")).content.decode()
    assert "Entretien avec un·e coordinateur·rice" in page and "Fait le" in page
    assert "vous invite à la prochaine session" in page  # training is next
