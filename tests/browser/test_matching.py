"""The coordinator's matching pages on a phone: suggestions with reasons, one tap to propose."""

import datetime

import pytest

from missions.models import Match
from tests import factories
from tests.browser.conftest import assert_no_sideways_scroll, login
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_proposes_a_suggested_volunteer_on_a_phone(page, association_a):
    coordinator = factories.UserFactory(email="coord-browser@exemple.fr")
    factories.MembershipFactory(user=coordinator, association=association_a)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=coordinator, email=coordinator.email, verified=True, primary=True)
    person = factories.BeneficiaryFactory(association=association_a, interests=["gardening", "board_games"])
    mission = factories.MissionFactory(beneficiary=person, weekday=1, local_time=datetime.time(15))
    volunteer = factories.VolunteerFactory(interests=["gardening", "board_games"])
    factories.AvailabilitySlotFactory(volunteer=volunteer, weekday=1)

    login(page, coordinator.email, PASSWORD)
    page.goto(f"/matching/missions/{mission.pk}/suggestions/")
    assert "libre le mardi après-midi" in page.content()
    assert_no_sideways_scroll(page)
    page.get_by_role("button", name=f"Proposer à {volunteer}").click()
    page.wait_for_load_state("networkidle")
    match = Match.objects.get(mission=mission, volunteer=volunteer)
    assert page.url.endswith(f"/matching/matches/{match.pk}/")
    assert_no_sideways_scroll(page)
