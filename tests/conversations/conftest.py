"""A match of association A between the persona volunteer and a person A follows, and the
people around it: a second coordinator and a manager of A, and coordinator B outside."""

import pytest

from missions.models import Match, Membership
from tests import factories
from tests.volunteers.conftest import _fast_passwords  # noqa: F401


@pytest.fixture
def match(volunteer, association_a, coordinator_a):
    person = factories.BeneficiaryFactory(association=association_a, first_name="Odette", last_name="Morel")
    mission = factories.MissionFactory(beneficiary=person, association=association_a)
    return factories.MatchFactory(volunteer=volunteer, mission=mission, status=Match.Status.ACTIVE)


@pytest.fixture
def manager_a(association_a):
    membership = factories.MembershipFactory(association=association_a, role=Membership.Role.MANAGER)
    return membership.user
