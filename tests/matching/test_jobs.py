"""The nightly jobs: thin tasks over services, idempotent, also runnable as a command."""

import datetime
import io

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from missions.matching import tasks
from missions.models import Match
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_place(association_a):
    person = factories.BeneficiaryFactory(association=association_a)
    mission = factories.MissionFactory(beneficiary=person, weekday=1, local_time=datetime.time(15))
    volunteer = factories.VolunteerFactory(user__password=None)
    factories.AvailabilitySlotFactory(volunteer=volunteer, weekday=1)
    return mission, volunteer


def test_the_nightly_batch_proposes_once_and_tells_coordinators(open_place, coordinator_a):
    mission, volunteer = open_place
    assert tasks.propose_all() == 1
    assert tasks.propose_all() == 0  # the place is taken by the proposal: nothing more
    match = Match.objects.get(mission=mission)
    assert (match.volunteer, match.status, match.proposed_by) == (volunteer, "proposed", None)
    assert coordinator_a.notifications.filter(kind="matching_batch").exists()


def test_the_expiry_job_is_idempotent(open_place, coordinator_a):
    mission, volunteer = open_place
    with time_machine.travel(timezone.now() - datetime.timedelta(days=settings.LIENS_PROPOSAL_EXPIRY_DAYS + 1)):
        tasks.propose_all()
    assert tasks.expire_proposals() == 1
    assert tasks.expire_proposals() == 0
    assert Match.objects.get(mission=mission).status == "expired"


def test_the_schedule_holds_both_jobs_with_an_expiry():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["propose-matches"]["task"] == "missions.matching.propose_all"
    assert schedule["propose-matches"]["options"]["expires"] > 0
    assert schedule["expire-proposals"]["task"] == "missions.matching.expire_proposals"


def test_the_command_runs_the_batch_for_one_association(open_place, association_a):
    out = io.StringIO()
    call_command("propose_matches", "--association", str(association_a.pk), "--expire", stdout=out)
    assert "1 proposals for 1 of 1 open missions" in out.getvalue()
