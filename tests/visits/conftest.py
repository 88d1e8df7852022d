"""Fixtures of the visits tests: a weekly Tuesday 15:00 match in Paris, its people."""

import datetime

import pytest

from missions.models import Membership
from tests import factories


@pytest.fixture
def weekly_match(db, association_a, coordinator_a):
    """An active weekly match of association A: Tuesdays 15:00–16:30, Europe/Paris."""
    beneficiary = factories.BeneficiaryFactory(association=association_a, first_name="Jeanne", last_name="Dupont")
    mission = factories.MissionFactory(beneficiary=beneficiary, weekday=1, local_time=datetime.time(15, 0))
    volunteer = factories.VolunteerFactory(
        user=factories.UserFactory(email="paul@exemple.fr", first_name="Paul", last_name="Martin", language="fr")
    )
    return factories.MatchFactory(mission=mission, volunteer=volunteer)


@pytest.fixture
def realtime_coordinator(db, association_a):
    user = factories.UserFactory(email="realtime@exemple.fr", language="en", first_name="Rita")
    factories.MembershipFactory(user=user, association=association_a, digest_mode=Membership.DigestMode.REALTIME)
    return user
