"""Staff pages say who started a match: the volunteer who offered, the coordinator who
proposed, or the nightly proposals."""

import datetime

import pytest
from django.urls import reverse

from missions.matching import services
from missions.models import Match
from tests import factories

pytestmark = pytest.mark.django_db

TUESDAY = 1


@pytest.fixture
def mission(association_a):
    beneficiary = factories.BeneficiaryFactory(association=association_a, latitude=45.7790, longitude=4.8320)
    return factories.MissionFactory(
        beneficiary=beneficiary, weekday=TUESDAY, local_time=datetime.time(15, 0), duration_minutes=90
    )


@pytest.fixture
def candidate():
    volunteer = factories.VolunteerFactory(user__password=None, latitude=45.7745, longitude=4.8290)
    factories.AvailabilitySlotFactory(
        volunteer=volunteer, weekday=TUESDAY, start=datetime.time(14), end=datetime.time(18)
    )
    return volunteer


def test_a_match_the_volunteer_offered_says_so_and_not_by_liens(mission, candidate, coordinator_a_client):
    match = services.match_offer(mission=mission, volunteer=candidate)
    assert match.proposed_by == candidate.user
    for url in (reverse("matching:match", args=[match.pk]), reverse("matching:proposals")):
        page = coordinator_a_client.get(url).content.decode()
        assert "proposé par le bénévole" in page
        assert "par Liens" not in page
    page = coordinator_a_client.get(reverse("association:mission", args=[mission.pk])).content.decode()
    assert "proposé par le bénévole" in page


def test_a_coordinator_s_proposal_names_them_and_a_nightly_one_says_liens(
    mission, candidate, coordinator_a, coordinator_a_client
):
    proposed = services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)
    page = coordinator_a_client.get(reverse("matching:match", args=[proposed.pk])).content.decode()
    assert f"proposé par {coordinator_a}" in page
    Match.objects.filter(pk=proposed.pk).update(proposed_by=None)
    page = coordinator_a_client.get(reverse("matching:match", args=[proposed.pk])).content.decode()
    assert "proposé par Liens" in page and "proposé par le bénévole" not in page
