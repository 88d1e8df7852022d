"""Fixtures of the association side: a person, a mission and a volunteer for association A."""

import datetime

import pytest
from django.utils import timezone

from missions.models import Beneficiary, Match
from tests import factories


@pytest.fixture
def beneficiary_a(association_a):
    return factories.BeneficiaryFactory(
        association=association_a,
        first_name="Odette",
        last_name="Marchand",
        assessed_on=timezone.localdate() - datetime.timedelta(days=3),
    )


@pytest.fixture
def intake_a(association_a):
    return factories.BeneficiaryFactory(
        association=association_a,
        first_name="Lucien",
        last_name="Perret",
        status=Beneficiary.Status.INTAKE,
        consent_by="",
        consent_on=None,
    )


@pytest.fixture
def mission_a(beneficiary_a):
    return factories.MissionFactory(beneficiary=beneficiary_a, first_date=timezone.localdate())


@pytest.fixture
def far_volunteer_matched_a(mission_a):
    """A volunteer outside every test association's département, in a live match with A."""
    volunteer = factories.VolunteerFactory(postcode="75011", city="Paris", latitude=48.858, longitude=2.38)
    factories.MatchFactory(volunteer=volunteer, mission=mission_a, status=Match.Status.ACTIVE)
    return volunteer
