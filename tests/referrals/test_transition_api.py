"""The referral transition endpoint (POST /api/association/referrals/<id>/step/): every step the
lifecycle allows, a step it does not (400 with details, nothing written), a decline without its
reason, and staff of another association (404)."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from liens.choices import VisitKind
from liens.models import Notification
from missions.models import Referral
from missions.referrals import lifecycle, services

pytestmark = pytest.mark.django_db

Status = Referral.Status
# The way along a referral's life, in order: what walk_to takes a referral through.
PATH = (Status.CONTACTED, Status.ASSESSED, Status.MATCHED, Status.FIRST_VISIT, Status.CLOSED)
# What each step asks besides itself.
STEP_FIELDS = {
    Status.DECLINED: {"decline_reason": Referral.DeclineReason.OUT_OF_AREA},
    Status.FIRST_VISIT: {"support_kind": VisitKind.HOME_VISIT, "support_weekly": True},
    Status.CLOSED: {"outcome": Referral.Outcome.FOLLOWED},
}


def step_url(referral) -> str:
    return reverse("api-association-referral-transition", args=[referral.pk])


def walk_to(referral, status: str, coordinator) -> Referral:
    """The referral taken through the services from where it is to `status` (its person's file
    opened on the way)."""
    start = PATH.index(referral.status) + 1 if referral.status in PATH else 0
    for step in PATH[start : PATH.index(status) + 1] if status != Status.RECEIVED else ():
        if step in lifecycle.NEEDS_PERSON and referral.beneficiary_id is None:
            services.referral_person_create(referral=referral, by=coordinator, **services.person_fields(referral))
            referral.refresh_from_db()
        services.referral_transition(referral=referral, by=coordinator, to=step, **STEP_FIELDS.get(step, {}))
    referral.refresh_from_db()
    assert referral.status == status
    return referral


def snapshot(referral) -> tuple[dict, int]:
    """The referral's row as stored, and how many messages the outbox holds."""
    return model_to_dict(Referral.objects.get(pk=referral.pk)), Notification.objects.count()


ALLOWED_STEPS = [(source, to) for source, targets in lifecycle.ALLOWED.items() for to in targets]


def test_the_steps_tested_are_every_step_the_lifecycle_allows():
    # Nine steps: four on the way to the first visit, the close, and a decline from each of the
    # four steps before the first visit.
    assert len(ALLOWED_STEPS) == 9
    assert {to for _source, to in ALLOWED_STEPS} == set(Status.values) - {Status.RECEIVED}


@pytest.mark.parametrize(("source", "to"), ALLOWED_STEPS)
def test_each_allowed_step_moves_the_referral_and_stamps_it(source, to, referral, coordinator_a, coordinator_a_client):
    referral = walk_to(referral, source, coordinator_a)
    if to in lifecycle.NEEDS_PERSON and referral.beneficiary_id is None:
        services.referral_person_create(referral=referral, by=coordinator_a, **services.person_fields(referral))
    response = coordinator_a_client.post(
        step_url(referral), {"to": to, **STEP_FIELDS.get(to, {})}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"]) == (referral.pk, to)
    stored = Referral.objects.get(pk=referral.pk)
    assert stored.status == to
    assert getattr(stored, lifecycle.STAMP[to]) is not None
    assert body[lifecycle.STAMP[to]] is not None
    for name, value in STEP_FIELDS.get(to, {}).items():
        assert getattr(stored, name) == value
    # The referrer hears of the milestones, once each.
    if to in lifecycle.TOLD_AT:
        told = Notification.objects.filter(to_address=referral.partner.email, kind=f"referral_{lifecycle.TOLD_AT[to]}")
        assert told.count() == 1


@pytest.mark.parametrize(
    ("source", "to"),
    [
        (Status.RECEIVED, Status.ASSESSED),  # a step skipped
        (Status.CONTACTED, Status.CONTACTED),  # a repeated tap
        (Status.FIRST_VISIT, Status.DECLINED),  # too late to decline
        (Status.CLOSED, Status.CONTACTED),  # an ended referral
    ],
)
def test_a_step_the_lifecycle_refuses_answers_400_with_details_and_writes_nothing(
    source, to, referral, coordinator_a, coordinator_a_client
):
    referral = walk_to(referral, source, coordinator_a)
    before = snapshot(referral)
    response = coordinator_a_client.post(
        step_url(referral), {"to": to, **STEP_FIELDS.get(to, {})}, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["to"]
    assert "ne peut pas passer à cette étape" in response.json()["to"][0]
    assert snapshot(referral) == before


def test_a_step_with_its_details_missing_or_wrong_answers_400_and_writes_nothing(
    referral, coordinator_a, coordinator_a_client
):
    # Matched needs the person's file; a first visit, the support offered; a close, its outcome.
    referral = walk_to(referral, Status.ASSESSED, coordinator_a)
    before = snapshot(referral)
    response = coordinator_a_client.post(step_url(referral), {"to": "matched"}, content_type="application/json")
    assert (response.status_code, list(response.json())) == (400, ["to"])
    assert snapshot(referral) == before
    referral = walk_to(referral, Status.MATCHED, coordinator_a)
    before = snapshot(referral)
    response = coordinator_a_client.post(step_url(referral), {"to": "first_visit"}, content_type="application/json")
    assert (response.status_code, list(response.json())) == (400, ["support_kind"])
    assert snapshot(referral) == before
    referral = walk_to(referral, Status.FIRST_VISIT, coordinator_a)
    before = snapshot(referral)
    for data in ({"to": "closed"}, {"to": "closed", "outcome": "cured"}, {"to": "elsewhere"}):
        response = coordinator_a_client.post(step_url(referral), data, content_type="application/json")
        assert response.status_code == 400, data
        assert set(response.json()) <= {"to", "outcome"} and response.json()
    assert snapshot(referral) == before


def test_declining_needs_a_reason(referral, coordinator_a_client):
    before = snapshot(referral)
    for data in (
        {"to": "declined"},
        {"to": "declined", "decline_reason": ""},
        {"to": "declined", "decline_reason": "bored"},
    ):
        response = coordinator_a_client.post(step_url(referral), data, content_type="application/json")
        assert response.status_code == 400, data
        assert list(response.json()) == ["decline_reason"], data
    assert response.json()["decline_reason"][0]
    assert snapshot(referral) == before
    response = coordinator_a_client.post(
        step_url(referral), {"to": "declined", "decline_reason": "unreachable"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decline_reason"]) == ("declined", "unreachable")


def test_staff_of_another_association_get_404_and_change_nothing(referral, coordinator_a, coordinator_b_client):
    before = snapshot(referral)
    for to, fields in [("contacted", {}), ("declined", STEP_FIELDS[Status.DECLINED])]:
        response = coordinator_b_client.post(step_url(referral), {"to": to, **fields}, content_type="application/json")
        assert response.status_code == 404
    # Asking for their own association by name does not open another's referral either.
    response = coordinator_b_client.post(
        f"{step_url(referral)}?association={referral.association_id}",
        {"to": "contacted"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert snapshot(referral) == before
