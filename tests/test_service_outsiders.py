"""Every service that acts for someone refuses an outsider, whatever path reaches it.

The services are not listed by hand: the test walks every module of the `missions` and
`volunteers` packages and finds each public function taking a `by` keyword (the acting user),
so a service added later is covered the day it appears. Each is called by coordinator B (the
coordinator of another association) with association A's objects: it must raise DomainError
with code "forbidden" and write nothing (every row of every missions, volunteers and liens
model is compared before and after, the access log included).

A service the test does not know how to call makes it fail: add its argument builder to
BUILDERS (its keyword arguments but `by`, built from the world of association A), or, for a
helper that only records an author its calling service already checked, to NOT_ACTING with
the reason.
"""

import datetime
import importlib
import inspect
import pkgutil

import pytest
from django.apps import apps
from django.utils import timezone

from liens.errors import DomainError
from missions.models import (
    ApaPlan,
    Association,
    Beneficiary,
    ImportJob,
    Invitation,
    IsolationAlert,
    Match,
    Membership,
    Mission,
    Partner,
    Referral,
)
from tests import factories
from volunteers.models import Volunteer

PACKAGES = ("missions", "volunteers")


def services_taking_by() -> dict[str, object]:
    """Public functions with a keyword-only `by`, by qualified name, in every module of PACKAGES.

    (The checks of missions/permissions.py take `by` first, positionally: they are the rule.)"""
    found = {}
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if ".tests" in info.name or ".migrations" in info.name or ".management" in info.name:
                continue
            module = importlib.import_module(info.name)
            for name, function in vars(module).items():
                if name.startswith("_") or not inspect.isfunction(function) or function.__module__ != module.__name__:
                    continue
                by = inspect.signature(function).parameters.get("by")
                if by is not None and by.kind == by.KEYWORD_ONLY:
                    found[f"{module.__name__}.{name}"] = function
    return found


# Building blocks that write the author a calling service names; the service checked `by` first.
NOT_ACTING = {
    "missions.alerts.lifecycle.resolution_fields": "the columns of a resolution; alert_resolve and the sweep call it",
    "missions.alerts.lifecycle.resolved_event": "an unsaved timeline entry; alert_close and the seeds build it",
    "missions.alerts.lifecycle.alert_close": "closes a locked alert for alert_resolve (checked) or the sweep (no user)",
    "missions.matching.common.tell_the_other_side": "tells the side that did not take a step its service checked",
}

TODAY = timezone.localdate


def _later(days: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


# Qualified name -> the keyword arguments but `by`, from the world of association A.
BUILDERS = {
    # referrals
    "missions.referrals.services.partner_create": lambda w: {
        "association": w["association"],
        "kind": "ccas",
        "name": "CCAS",
        "email": "ccas@exemple.fr",
    },
    "missions.referrals.services.public_form_ensure": lambda w: {"association": w["association"]},
    "missions.referrals.services.partner_deactivate": lambda w: {"partner": w["partner"]},
    "missions.referrals.services.partner_link_regenerate": lambda w: {"partner": w["partner"]},
    "missions.referrals.services.referral_transition": lambda w: {"referral": w["referral"], "to": "contacted"},
    "missions.referrals.services.referral_notes_save": lambda w: {"referral": w["referral"], "notes": "Note"},
    "missions.referrals.services.referral_person_create": lambda w: {
        "referral": w["referral"],
        "first_name": "Jeanne",
        "last_name": "Dufresne",
        "address": "3 rue Neyret",
        "postcode": "69001",
        "city": "Lyon",
        "referral_source": Beneficiary.ReferralSource.GP,
    },
    "missions.referrals.services.referral_person_link": lambda w: {
        "referral": w["referral"],
        "beneficiary": w["beneficiary"],
    },
    # association
    "missions.association.beneficiaries.beneficiary_create": lambda w: {
        "association": w["association"],
        "first_name": "Jeanne",
        "last_name": "Martin",
        "birth_year": 1938,
        "address": "3 rue Neyret",
        "postcode": "69001",
        "city": "Lyon",
        "referral_source": Beneficiary.ReferralSource.CCAS,
    },
    "missions.association.beneficiaries.beneficiaries_create_many": lambda w: {
        "association": w["association"],
        "people": [
            (
                {
                    "first_name": "Jeanne",
                    "last_name": "Martin",
                    "address": "3 rue Neyret",
                    "postcode": "69001",
                    "city": "Lyon",
                    "referral_source": Beneficiary.ReferralSource.CCAS,
                },
                [],
            )
        ],
    },
    "missions.association.beneficiaries.beneficiary_file_open": lambda w: {"beneficiary": w["beneficiary"]},
    "missions.association.beneficiaries.beneficiary_update": lambda w: {
        "beneficiary": w["beneficiary"],
        "first_name": "Autre",
    },
    "missions.association.beneficiaries.beneficiary_activate": lambda w: {"beneficiary": w["intake"]},
    "missions.association.beneficiaries.beneficiary_pause": lambda w: {
        "beneficiary": w["beneficiary"],
        "reason": "Hospitalisation",
        "until": TODAY() + datetime.timedelta(days=10),
    },
    "missions.association.beneficiaries.beneficiary_resume": lambda w: {"beneficiary": w["paused"]},
    "missions.association.beneficiaries.beneficiary_end": lambda w: {"beneficiary": w["intake"], "reason": "Parti"},
    "missions.association.beneficiaries.assessment_record": lambda w: {
        "beneficiary": w["beneficiary"],
        "scale": "ucla3",
        "answers": [1, 1, 1],
        "taken_on": TODAY(),
    },
    "missions.association.imports.import_job_create": lambda w: {
        "association": w["association"],
        "filename": "liste.csv",
        "content": b"first_name;last_name\nJeanne;Martin\n",
    },
    "missions.association.imports.import_job_confirm": lambda w: {"job": w["job"]},
    "missions.association.missions.mission_create": lambda w: {
        "association": w["association"],
        "beneficiary": w["beneficiary"],
        "title": "Promenade",
    },
    "missions.association.missions.mission_update": lambda w: {"mission": w["mission"], "title": "Autre"},
    "missions.association.missions.mission_publish": lambda w: {"mission": w["draft"]},
    "missions.association.missions.mission_fill": lambda w: {"mission": w["mission"]},
    "missions.association.missions.mission_reopen": lambda w: {"mission": w["filled"]},
    "missions.association.missions.mission_close": lambda w: {"mission": w["draft"]},
    "missions.association.services.association_validate": lambda w: {"association": w["pending"]},
    "missions.association.services.association_settings_update": lambda w: {
        "association": w["association"],
        "default_contact_target_days": 10,
        "default_contact_grace_days": 3,
    },
    "missions.association.services.vetting_step_record": lambda w: {
        "volunteer": w["applicant"],
        "step": "interview",
        "association": w["association"],
    },
    "missions.association.staff.invitation_send": lambda w: {
        "association": w["association"],
        "email": "nouveau@exemple.fr",
        "role": Membership.Role.COORDINATOR,
    },
    "missions.association.staff.invitation_revoke": lambda w: {"invitation": w["invitation"]},
    "missions.association.staff.membership_remove": lambda w: {"membership": w["colleague"]},
    "missions.association.staff.membership_role_set": lambda w: {
        "membership": w["colleague"],
        "role": Membership.Role.MANAGER,
    },
    # alerts
    "missions.alerts.services.alert_file_open": lambda w: {"alert": w["alert"]},
    "missions.alerts.services.alert_acknowledge": lambda w: {"alert": w["alert"]},
    "missions.alerts.services.alert_assign": lambda w: {"alert": w["alert"], "assignee": w["coordinator"]},
    "missions.alerts.services.alert_note_add": lambda w: {"alert": w["alert"], "note": "Appelée"},
    "missions.alerts.services.alert_call_log": lambda w: {"alert": w["alert"], "reached": True, "note": "Bien"},
    "missions.alerts.services.alert_refer": lambda w: {"alert": w["alert"], "service": "gp"},
    "missions.alerts.services.alert_resolve": lambda w: {"alert": w["alert"], "reason": "Jointe"},
    # matching
    "missions.matching.services.match_propose": lambda w: {"mission": w["mission"], "volunteer": w["candidate"]},
    "missions.matching.services.match_decline": lambda w: {"match": w["proposed"], "reason": "Non"},
    "missions.matching.life.match_introduce": lambda w: {"match": w["accepted"], "on": TODAY()},
    "missions.matching.life.match_activate": lambda w: {"match": w["accepted"]},
    "missions.matching.life.match_pause": lambda w: {"match": w["match"], "reason": "Vacances"},
    "missions.matching.life.match_end": lambda w: {"match": w["match"], "reason": "Fin"},
    "missions.matching.life.match_review": lambda w: {"match": w["match"], "on": TODAY()},
    # conversations
    "missions.conversations.services.message_post": lambda w: {"match": w["match"], "body": "Bonjour"},
    "missions.conversations.services.conversation_read": lambda w: {"match": w["match"]},
    # The person's APA plan of lien-social hours (missions.liensocial), given by their association.
    "missions.liensocial.services.plan_create": lambda w: {
        "beneficiary": w["beneficiary"],
        "service": w["home_care"],
        "hours_per_month": 4,
        "starts_on": TODAY() + datetime.timedelta(days=40),
    },
    "missions.liensocial.services.plan_end": lambda w: {"plan": w["plan"], "ends_on": TODAY()},
    # visits
    "missions.visits.services.visit_cancel": lambda w: {"visit": w["visit"], "reason": "Malade"},
    "missions.visits.services.visit_move": lambda w: {"visit": w["visit"], "starts_at": _later(3), "reason": "Kiné"},
    # privacy
    "missions.disclosure.private_details": lambda w: {"beneficiary": w["beneficiary"], "parts": ["phone"]},
    "missions.privacy.exports.beneficiary_file_export": lambda w: {"beneficiary": w["beneficiary"]},
    "missions.privacy.erasure.beneficiary_erase_check": lambda w: {"beneficiary": w["ended"]},
    "missions.privacy.erasure.beneficiary_erase": lambda w: {"beneficiary": w["ended"]},
    # the volunteer's side
    "missions.volunteer.services.volunteer_matches_end": lambda w: {"volunteer": w["visitor"], "reason": "Départ"},
    "volunteers.vetting.vetting_record": lambda w: {"volunteer": w["applicant"], "step": "interview", "on": TODAY()},
}

SERVICES = services_taking_by()


@pytest.fixture
def world(association_a, coordinator_a):
    """Association A's objects, in every state some service starts from."""
    beneficiary = factories.BeneficiaryFactory(association=association_a, assessed_on=TODAY())
    mission = factories.MissionFactory(beneficiary=beneficiary, volunteers_needed=3)
    # The visitor lives in Paris: on nobody's vetting desk in Lyon.
    visitor = factories.VolunteerFactory(postcode="75011", city="Paris", latitude=48.858, longitude=2.38)
    match = factories.MatchFactory(volunteer=visitor, mission=mission, status=Match.Status.ACTIVE)
    colleague = factories.MembershipFactory(association=association_a)
    Membership.objects.filter(user=coordinator_a, association=association_a).update(role=Membership.Role.MANAGER)
    home_care = factories.AssociationFactory(kind=Association.Kind.HOME_CARE)
    return {
        "home_care": home_care,
        "plan": ApaPlan.objects.create(
            beneficiary=beneficiary,
            service=home_care,
            hours_per_month=6,
            starts_on=TODAY() - datetime.timedelta(days=30),
        ),
        "association": association_a,
        "coordinator": coordinator_a,
        "pending": factories.AssociationFactory(validated_at=None),
        "beneficiary": beneficiary,
        "intake": factories.BeneficiaryFactory(association=association_a, status=Beneficiary.Status.INTAKE),
        "paused": factories.BeneficiaryFactory(
            association=association_a,
            status=Beneficiary.Status.PAUSED,
            paused_until=TODAY() + datetime.timedelta(days=5),
        ),
        "ended": factories.BeneficiaryFactory(association=association_a, status=Beneficiary.Status.ENDED),
        "mission": mission,
        "draft": factories.MissionFactory(beneficiary=beneficiary, status=Mission.Status.DRAFT),
        "filled": factories.MissionFactory(beneficiary=beneficiary, status=Mission.Status.FILLED),
        "visitor": visitor,
        "match": match,
        "proposed": factories.MatchFactory(mission=mission, status=Match.Status.PROPOSED),
        "accepted": factories.MatchFactory(
            mission=mission, status=Match.Status.ACCEPTED, introduced_on=TODAY(), activated_at=None
        ),
        "candidate": factories.VolunteerFactory(),
        # Waiting for vetting in Paris: on no desk of coordinator B's (in Lyon).
        "applicant": factories.VolunteerFactory(
            vetting_state=Volunteer.Vetting.PENDING, approved_at=None, postcode="75011", city="Paris"
        ),
        "visit": factories.VisitFactory(match=match),
        "alert": IsolationAlert.objects.create(
            beneficiary=beneficiary,
            association=association_a,
            kind=IsolationAlert.Kind.NO_CONTACT,
            started_at=timezone.now(),
            raised_at=timezone.now(),
        ),
        "colleague": colleague,
        "invitation": Invitation.objects.create(
            association=association_a, email="invitee@exemple.fr", expires_at=_later(3)
        ),
        "job": ImportJob.objects.create(
            association=association_a,
            created_by=coordinator_a,
            filename="liste.csv",
            content=b"",
            status=ImportJob.Status.VALIDATED,
        ),
        "partner": Partner.objects.create(
            association=association_a, kind=Partner.Kind.GP, name="Cabinet", email="cabinet@exemple.fr"
        ),
        "referral": Referral.objects.create(
            association=association_a,
            referrer_name="Dr Roux",
            first_name="Jeanne",
            last_name="Dufresne",
            postcode="69004",
            reach_by=Referral.Reach.PHONE,
            consent=Referral.Consent.GIVEN,
            received_at=timezone.now(),
        ),
    }


def _everything() -> dict[str, list[dict]]:
    """Every row of every model of the apps services write to."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for label in ("missions", "volunteers", "liens")
        for model in apps.get_app_config(label).get_models()
    }


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_refuses_an_outsider_and_writes_nothing(
    name, world, coordinator_b, django_capture_on_commit_callbacks
):
    if name in NOT_ACTING:
        pytest.skip(NOT_ACTING[name])
    assert name in BUILDERS, (
        f"{name} takes `by` but this test does not know how to call it: add its argument builder to "
        "BUILDERS in tests/test_service_outsiders.py (or, for a helper that only records an author "
        "its calling service checked, to NOT_ACTING with the reason)"
    )
    kwargs = BUILDERS[name](world)
    before = _everything()
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(DomainError) as refused:
        SERVICES[name](by=coordinator_b, **kwargs)
    assert refused.value.code == "forbidden", f"{name} refused with {refused.value.code!r}: {refused.value}"
    assert _everything() == before, f"{name} wrote something for an outsider"
    assert callbacks == []


def test_the_lists_name_only_services_that_exist():
    stale = (set(BUILDERS) | set(NOT_ACTING)) - set(SERVICES)
    assert not stale, f"no such service any more, remove it from the lists: {sorted(stale)}"


def test_the_walk_finds_the_services_of_every_area():
    areas = {name.rsplit(".", 2)[0] for name in SERVICES}
    assert {"missions.association", "missions.alerts", "missions.matching", "missions.visits"} <= areas
    assert "volunteers.vetting" in {name.rsplit(".", 1)[0] for name in SERVICES}


# The check lets the rightful people through, so the test above can fail both ways.
RIGHTFUL = [
    ("missions.association.beneficiaries.beneficiary_update", "coordinator"),
    ("missions.association.missions.mission_reopen", "coordinator"),
    ("missions.association.staff.membership_role_set", "coordinator"),
    ("missions.alerts.services.alert_note_add", "coordinator"),
    ("missions.matching.life.match_review", "coordinator"),
    ("missions.matching.life.match_pause", "visitor"),
    ("missions.visits.services.visit_cancel", "visitor"),
    ("missions.volunteer.services.volunteer_matches_end", "visitor"),
    ("missions.association.missions.mission_close", "admin"),
    ("missions.conversations.services.message_post", "coordinator"),
    ("missions.conversations.services.message_post", "visitor"),
    ("missions.conversations.services.conversation_read", "visitor"),
]


@pytest.mark.parametrize(("name", "who"), RIGHTFUL)
def test_the_rightful_user_passes_the_check(name, who, world, admin_user):
    by = {"coordinator": world["coordinator"], "visitor": world["visitor"].user, "admin": admin_user}[who]
    SERVICES[name](by=by, **BUILDERS[name](world))
