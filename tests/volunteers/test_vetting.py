"""Vetting: staff record steps with dates; approval once every step and the charter are done."""

import datetime

import pytest
from django.utils import timezone

from liens.errors import DomainError
from liens.models import Notification
from tests import factories
from volunteers.models import Volunteer
from volunteers.vetting import vetting_record, vetting_steps_left

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending():
    return factories.VolunteerFactory(vetting_state=Volunteer.Vetting.PENDING, approved_at=None)


def test_a_new_volunteer_has_every_step_left(pending):
    assert vetting_steps_left(pending) == ["interview", "training", "background_check"]


def test_the_last_step_approves_and_tells_the_volunteer(pending, coordinator_a):
    today = timezone.localdate()
    vetting_record(volunteer=pending, step="interview", on=today, by=coordinator_a)
    vetting_record(volunteer=pending, step="training", on=today, by=coordinator_a)
    pending.refresh_from_db()
    assert pending.vetting_state == Volunteer.Vetting.PENDING
    assert vetting_steps_left(pending) == ["background_check"]

    result = vetting_record(volunteer=pending, step="background_check", on=today, by=coordinator_a)
    pending.refresh_from_db()
    assert result.vetting_state == pending.vetting_state == Volunteer.Vetting.APPROVED
    assert pending.approved_at is not None
    assert (pending.background_check_on, pending.background_check_by) == (today, coordinator_a)
    assert Notification.objects.filter(recipient=pending.user, kind="volunteer_approved").count() == 1


def test_steps_without_the_charter_do_not_approve(pending, coordinator_a):
    Volunteer.objects.filter(pk=pending.pk).update(charter_accepted_at=None)
    for step in ["interview", "training", "background_check"]:
        vetting_record(volunteer=pending, step=step, on=timezone.localdate(), by=coordinator_a)
    pending.refresh_from_db()
    assert pending.vetting_state == Volunteer.Vetting.PENDING and vetting_steps_left(pending) == []


@pytest.mark.parametrize(
    "step, days, field",
    [("cooking", 0, "step"), ("interview", 1, "on")],
)
def test_bad_steps_and_future_dates_are_refused(pending, coordinator_a, step, days, field):
    with pytest.raises(DomainError) as error:
        vetting_record(
            volunteer=pending, step=step, on=timezone.localdate() + datetime.timedelta(days=days), by=coordinator_a
        )
    assert error.value.field == field
    pending.refresh_from_db()
    assert pending.interview_on is None


def test_a_volunteer_cannot_vet_anyone(pending, volunteer):
    with pytest.raises(DomainError):
        vetting_record(volunteer=pending, step="interview", on=timezone.localdate(), by=volunteer.user)


def test_a_rejected_volunteer_is_not_vetted(pending, coordinator_a):
    Volunteer.objects.filter(pk=pending.pk).update(vetting_state=Volunteer.Vetting.REJECTED)
    with pytest.raises(DomainError):
        vetting_record(volunteer=pending, step="interview", on=timezone.localdate(), by=coordinator_a)
