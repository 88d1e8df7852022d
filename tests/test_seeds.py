"""The demo territory loader: idempotent, deterministic, and consistent with the domain rules."""

import datetime as dt
import io
from collections import Counter
from unittest import mock
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from liens.choices import IN_PERSON_KINDS
from missions.alerts.selectors import alert_file
from missions.matching import rules
from missions.matching.candidates import pairs_for
from missions.models import (
    ApaPlan,
    Association,
    Beneficiary,
    Contact,
    IsolationAlert,
    LienSocialSession,
    Match,
    Mission,
    Visit,
    VisitReport,
)
from missions.visits.tasks import materialise_match
from seeds.loader import demo_counts, load_demo, plan_demo, reset_demo
from seeds.planning import mission_table, volunteer_table
from seeds.territory import ASSOCIATIONS, DEMO_PASSWORD
from volunteers.models import Volunteer

PARIS = ZoneInfo("Europe/Paris")
# The day after the clocks went forward in 2026: the eight weeks of past visits straddle it.
NOW = dt.datetime(2026, 3, 30, 9, 30, tzinfo=dt.UTC)
DEMO_ACCOUNTS = [
    "benevole@exemple.fr",
    "coordination@exemple.fr",
    "coordination2@exemple.fr",
    "direction@exemple.fr",
    "admin@exemple.fr",
]

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module (a load replays a year through the services): each
    test reads it inside its own transaction, rolled back after it; deleted at the end. The
    task each activation sends after the commit is left out: the replay made those visits."""
    with django_db_blocker.unblock(), mock.patch.object(materialise_match, "apply_async"):
        counts = load_demo(now=NOW)
    yield counts
    with django_db_blocker.unblock():
        reset_demo()


@pytest.fixture
def loaded(demo, db):
    assert demo["created"] is True
    return demo


def _without_flag(counts: dict) -> dict:
    return {key: value for key, value in counts.items() if key != "created"}


def test_loading_twice_changes_nothing(loaded):
    again = load_demo(now=NOW)
    assert again["created"] is False
    assert _without_flag(again) == _without_flag(loaded)
    assert Association.objects.filter(name=ASSOCIATIONS[0].name).count() == 1


def test_reset_then_load_gives_the_same_territory(loaded):
    names = list(Beneficiary.objects.order_by("pk").values_list("first_name", "last_name", "address"))
    reset_demo()
    assert demo_counts(NOW)["beneficiaries"] == 0
    assert demo_counts(NOW)["users"] == 0
    again = load_demo(now=NOW)
    assert _without_flag(again) == _without_flag(loaded)
    assert list(Beneficiary.objects.order_by("pk").values_list("first_name", "last_name", "address")) == names


def test_demo_accounts_sign_in_with_the_demo_password(loaded):
    users = {email: authenticate(None, email=email, password=DEMO_PASSWORD) for email in DEMO_ACCOUNTS}
    for email, user in users.items():
        assert user is not None, email
        assert EmailAddress.objects.filter(user=user, email=email, verified=True, primary=True).exists()
    assert users["admin@exemple.fr"].is_staff and users["admin@exemple.fr"].is_superuser
    roles = {email: list(user.memberships.values_list("association__name", "role")) for email, user in users.items()}
    assert roles["coordination@exemple.fr"] == [(ASSOCIATIONS[0].name, "coordinator")]
    assert roles["coordination2@exemple.fr"] == [(ASSOCIATIONS[1].name, "coordinator")]
    assert roles["direction@exemple.fr"] == [(ASSOCIATIONS[0].name, "manager")]
    assert authenticate(None, email="benevole@exemple.fr", password="wrong") is None


def test_demo_volunteer_has_an_active_weekly_visit_with_history(loaded):
    camille = Volunteer.objects.get(user__email="benevole@exemple.fr")
    assert camille.user.first_name == "Camille"
    assert camille.vetting_state == "approved"
    for field in ("approved_at", "interview_on", "training_on", "background_check_on", "background_check_by"):
        assert getattr(camille, field) is not None, field
    assert camille.charter_accepted_at and camille.data_consent_at
    match = camille.matches.get(status="active")
    assert match.mission.kind == "home_visit" and match.mission.recurrence == "weekly"
    assert match.mission.association.name == ASSOCIATIONS[0].name
    assert match.activated_at and match.introduced_on and match.next_review_on
    done = match.visits.filter(status="done", starts_at__lt=NOW)
    assert done.count() >= 6
    assert all(VisitReport.objects.filter(visit=visit).exists() for visit in done)
    assert Contact.objects.filter(visit__in=done, volunteer=camille).count() == done.count()
    assert match.visits.filter(status="scheduled", starts_at__gt=NOW).count() == 4
    assert camille.matches.filter(status="proposed").count() == 1


def test_demo_volunteer_has_a_conversation_with_their_coordinator_and_one_word_unread(loaded):
    from missions.conversations.selectors import volunteer_unread

    camille = Volunteer.objects.get(user__email="benevole@exemple.fr")
    match = camille.matches.get(status="active")
    sides = list(match.messages.order_by("pk").values_list("side", flat=True))
    assert sides == ["volunteer", "staff", "volunteer", "staff"]
    assert all(message.sent_at < NOW for message in match.messages.all())
    assert volunteer_unread(camille) == {match.pk: 1}


def test_counts_are_roughly_as_specified(loaded):
    assert loaded["associations"] == 3
    assert 55 <= loaded["volunteers"] <= 65
    assert 110 <= loaded["beneficiaries"] <= 130
    assert 40 <= loaded["active_matches"] <= 60
    assert loaded["open_alerts"] >= 4
    for assoc in Association.objects.filter(kind=Association.Kind.ASSOCIATION):
        assert assoc.validated_at is not None and assoc.validated_by.email == "admin@exemple.fr"
        assert (len(assoc.siret) == 14 and assoc.siret.isdigit()) or (assoc.rna[0] == "W" and len(assoc.rna) == 10)
        kinds = set(Mission.objects.filter(association=assoc).values_list("kind", flat=True))
        assert kinds == {"home_visit", "phone_call", "outing", "group_event"}, assoc
    per_assoc = Counter(Beneficiary.objects.values_list("association__name", flat=True))
    assert per_assoc.most_common(1)[0][0] == ASSOCIATIONS[0].name
    vetting = Counter(Volunteer.objects.values_list("vetting_state", flat=True))
    assert 0.65 <= vetting["approved"] / loaded["volunteers"] <= 0.85
    assert vetting["rejected"] == 1 and vetting["pending"] >= 10
    assert Volunteer.objects.filter(paused_until__gt=NOW.date()).count() >= 2
    statuses = Counter(Mission.objects.values_list("status", flat=True))
    assert statuses["draft"] >= 2 and statuses["closed"] >= 1 and statuses["open"] and statuses["filled"]
    for volunteer in Volunteer.objects.prefetch_related("slots"):
        assert 1 <= volunteer.slots.count() <= 4
        assert "fr" in volunteer.languages
        assert 1 <= volunteer.travel_radius_km <= 8


def test_some_active_people_are_already_past_their_contact_target(loaded):
    overdue = [person for person in Beneficiary.objects.filter(status="active") if person.contact_deadline() < NOW]
    assert 10 <= len(overdue) == loaded["overdue"] <= 15
    for person in overdue:
        assert dt.timedelta(days=9) < NOW - person.last_contact_at <= dt.timedelta(days=31)
    # Most are simply due for the sweep; a few already have their alert.
    assert Beneficiary.objects.filter(status="active", alert_after__lte=NOW).count() >= 5


def test_every_active_or_paused_person_has_consent(loaded):
    for person in Beneficiary.objects.filter(status__in=["active", "paused"]):
        assert person.consent_on is not None and person.consent_by in ("person", "representative")
    assert Beneficiary.objects.filter(status="intake", consent_on__isnull=True).exists()
    assert Beneficiary.objects.filter(status="paused", paused_until__gt=NOW.date()).exclude(pause_reason="").exists()


def test_contact_ledger_and_deadlines_agree(loaded):
    last = dict(
        Contact.objects.values("beneficiary").annotate(last=Max("occurred_at")).values_list("beneficiary", "last")
    )
    assert max(last.values()) <= NOW
    alerted = set(
        IsolationAlert.objects.filter(kind="no_contact", resolved_at__isnull=True).values_list("beneficiary", flat=True)
    )
    for person in Beneficiary.objects.all():
        assert person.last_contact_at == last.get(person.pk)
        if person.status != "active":
            assert person.alert_after is None
        elif person.pk in alerted:
            # As the sweep leaves it: the next severity threshold, or nothing once critical.
            assert person.alert_after is None or person.alert_after > NOW
        else:
            assert person.alert_after == person.contact_deadline()
    # Every done visit for a person is in the ledger exactly once.
    done = Visit.objects.filter(status="done", match__mission__beneficiary__isnull=False)
    assert Contact.objects.filter(visit__in=done).count() == done.count()
    assert not Contact.objects.filter(visit__status__in=["scheduled", "cancelled", "missed"]).exists()


def test_matches_follow_the_matching_rules(loaded):
    live = Match.objects.filter(status__in=Match.LIVE).select_related("volunteer", "mission__beneficiary")
    load = Counter(match.volunteer_id for match in live)
    for volunteer in Volunteer.objects.filter(pk__in=load):
        assert load[volunteer.pk] <= volunteer.max_commitments
    for match in live.filter(status="active"):
        volunteer, person = match.volunteer, match.mission.beneficiary
        if match.mission.kind in IN_PERSON_KINDS:
            assert volunteer.vetting_state == "approved"
        assert match.mission.kind in volunteer.visit_kinds
        if person is not None:
            if person.required_languages:
                assert set(person.required_languages) & set(volunteer.languages)
            if person.visitor_preference != "any":
                assert volunteer.gender == person.visitor_preference
    closed = Match.objects.filter(status__in=["ended", "declined"])
    assert closed.exists() and not closed.filter(end_reason="").exists()
    assert not closed.filter(ended_at__isnull=True).exists()
    assert not Match.objects.filter(status="paused", paused_at__isnull=True).exists()
    assert not Match.objects.filter(status="active", next_review_on__lt=NOW.date()).exists()


@pytest.mark.parametrize("at", ["demo", "suite"])
def test_each_planned_hour_is_one_the_matching_rules_accept_for_the_volunteer_planned(at):
    """The planner's placeholder volunteers come from the matching engine's own rules: the pair
    of each planned match, the mission at the hour it was given, breaks none of them. Only the
    mission's state and the volunteer's load are those of the plan's end, not of the moment the
    volunteer was chosen (the replay's match_propose judges those at that moment)."""
    builder = plan_demo(now=NOW if at == "demo" else timezone.now())
    judged = 0
    for match in builder.matches:
        if match.volunteer is builder.camille:  # her history is written for her
            continue
        pairs = pairs_for(
            volunteer_table([match.volunteer]),
            mission_table(match.mission, now=builder.now),
            np.zeros(1, dtype=np.int64),
            np.zeros(1, dtype=np.int64),
            live=set(),
            known=set(),
        )
        broken = {rule.name for rule in rules.rules_broken(pairs)} - {"mission_open", "volunteer_room"}
        assert not broken, (match.mission.title, match.volunteer.user.email, broken)
        judged += 1
    assert judged >= 40


def test_the_planner_asks_the_matching_rules_rather_than_its_own(monkeypatch):
    """A hard rule that nobody passes leaves the planner with nobody to place but the demo
    volunteer, whose history is written for her."""
    usual = plan_demo(now=NOW)
    assert sum(match.volunteer is not usual.camille for match in usual.matches) >= 40
    never = rules.Rule("never", "never", lambda p: np.zeros(len(p), dtype=bool))
    monkeypatch.setattr(rules, "RULES", (*rules.RULES, never))
    planned = plan_demo(now=NOW)
    assert planned.matches and all(match.volunteer is planned.camille for match in planned.matches)


def test_visits_follow_the_local_weekly_schedule_across_daylight_saving(loaded):
    offsets = set()
    visits = Visit.objects.filter(match__mission__recurrence="weekly").select_related("match__mission")
    assert visits.count() > 300
    for visit in visits:
        mission = visit.match.mission
        local = visit.starts_at.astimezone(PARIS)
        offsets.add(local.utcoffset())
        assert local.date() == visit.occurrence
        assert local.weekday() == mission.weekday
        assert local.time() == mission.local_time
        assert visit.ends_at - visit.starts_at == dt.timedelta(minutes=mission.duration_minutes)
    assert offsets == {dt.timedelta(hours=1), dt.timedelta(hours=2)}
    assert Visit.objects.filter(status="scheduled", starts_at__gt=NOW).count() > 100


def test_alerts_are_open_once_per_person_and_kind(loaded):
    open_alerts = IsolationAlert.objects.filter(resolved_at__isnull=True).select_related("beneficiary", "report")
    assert Counter(open_alerts.values_list("kind", flat=True))["no_contact"] >= 3
    for alert in open_alerts:
        assert alert.association_id == alert.beneficiary.association_id
        events = list(alert.events.order_by("at", "pk").values_list("kind", "at"))
        # The raising is the alert row itself; what is stored comes after it.
        assert all(kind != "raised" and alert.raised_at <= at <= NOW for kind, at in events)
        assert alert.escalation_level <= 2
        if alert.acknowledged_at is not None:
            assert alert.escalate_after is None
        if alert.kind == "no_contact":
            assert alert.started_at == alert.beneficiary.contact_deadline() < NOW
    assert open_alerts.filter(kind="no_contact", acknowledged_at__isnull=True, escalate_after__gt=NOW).exists()
    urgent = open_alerts.get(kind="urgent_concern")
    assert urgent.report.concerns == ["fall"]
    raised = alert_file(alert=urgent).events[0]
    assert (raised.kind, raised.at, raised.data["report"]) == ("raised", urgent.raised_at, urgent.report_id)
    assert raised.author == urgent.report.submitted_by
    assert not IsolationAlert.objects.filter(resolved_at__isnull=False, escalate_after__isnull=False).exists()


def test_the_background_jobs_find_consistent_data(loaded):
    """The sweep raises the overdue people who have no alert yet, and nothing else; the visit
    planner and the escalation job find nothing to add."""
    sweep = pytest.importorskip("missions.alerts.sweep")
    services = pytest.importorskip("missions.alerts.services")
    visits = pytest.importorskip("missions.visits.services")
    alerted = IsolationAlert.objects.filter(kind="no_contact", resolved_at__isnull=True).count()
    first = sweep.isolation_sweep(now=NOW)
    assert (first.raised, first.risen, first.resolved, first.failed) == (loaded["overdue"] - alerted, 0, 0, 0)
    assert sweep.isolation_sweep(now=NOW).claimed == 0
    assert visits.visits_materialise_all(now=NOW) == 0
    assert services.alerts_escalate(now=NOW) == 0


def test_the_command_loads_once_then_says_so():
    reset_demo()  # the module's demo, within this test's transaction
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo territory ready: 3 associations" in out.getvalue()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo territory already loaded" in out.getvalue()
    assert Association.objects.filter(kind=Association.Kind.ASSOCIATION).count() == 3
    assert Association.objects.filter(kind=Association.Kind.HOME_CARE).count() == 1


def test_each_demo_account_signs_in_through_the_form_and_lands_on_its_own_page(loaded, client):
    landing = {
        "benevole@exemple.fr": "/volunteer/",
        "coordination@exemple.fr": "/association/",
        "coordination2@exemple.fr": "/association/",
        "admin@exemple.fr": "/alerts/dashboard/",
        "intervenante@exemple.fr": "/lien-social/",
    }
    for email, page in landing.items():
        client.logout()
        response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert response.url == page, email
        if email == "admin@exemple.fr":
            # A platform admin's first stop is setting up two-factor authentication.
            assert client.get(page)["Location"] == reverse("mfa_activate_totp")
            continue
        assert client.get(page).status_code == 200, email


def test_the_replayed_past_leaves_its_alerts_history_and_no_message_to_send_today(loaded):
    """The open silences were raised by the real sweep and escalation job run at past moments:
    their rises and escalations are on their timelines, and what those jobs wrote to the outbox
    then is not sent now."""
    from liens.models import Notification

    silences = IsolationAlert.objects.filter(kind="no_contact", resolved_at__isnull=True)
    kinds = Counter(silences.values_list("events__kind", flat=True))
    assert kinds["severity"] and kinds["escalated"] and kinds["acknowledged"]
    assert {alert.raised_at > alert.started_at for alert in silences} == {True}
    assert not Notification.objects.exists()


def test_reports_and_contacts_were_filed_at_their_moment_through_the_services(loaded):
    """The reports and the ledger are replayed through visit_report_submit and contact_record at
    the moments they happened: each row carries its past timestamp, each done visit has its one
    contact, and every person's last_contact_at is the latest of their contacts."""
    reports = VisitReport.objects.select_related("visit")
    assert reports.count() > 300
    for report in reports:
        assert report.visit.ends_at <= report.submitted_at <= NOW
        assert report.visit.status == ("done" if report.happened else "missed")
    assert not Visit.objects.filter(status__in=["done", "missed"], report__isnull=True).exists()
    for contact in Contact.objects.select_related("visit"):
        assert contact.occurred_at <= contact.created_at <= NOW
        if contact.visit is not None:
            assert contact.visit.status == "done" and contact.occurred_at == contact.visit.starts_at
    latest = dict(
        Contact.objects.values("beneficiary").annotate(last=Max("occurred_at")).values_list("beneficiary", "last")
    )
    for person in Beneficiary.objects.exclude(status="intake"):
        assert person.last_contact_at is not None and person.last_contact_at == latest[person.pk]
    done = Visit.objects.filter(status="done", match__mission__beneficiary__isnull=False)
    assert set(Contact.objects.filter(visit__isnull=False).values_list("visit", flat=True)) == set(
        done.values_list("pk", flat=True)
    )


def test_vetting_went_through_the_vetting_service(loaded):
    """Each approved volunteer has the three steps recorded by the coordinator of the recording
    association, and was approved when the last of them was recorded."""
    from missions.models import Membership, VettingRecord

    coordinators = dict(Membership.objects.filter(role="coordinator").values_list("association", "user"))
    approved = Volunteer.objects.filter(vetting_state="approved")
    assert approved.count() >= 40
    for volunteer in approved:
        records = list(VettingRecord.objects.filter(volunteer=volunteer).order_by("recorded_at"))
        assert sorted(record.step for record in records) == ["background_check", "interview", "training"]
        for record in records:
            assert record.recorded_by_id == coordinators[record.association_id]
            assert record.recorded_at <= NOW
        assert volunteer.approved_at == records[-1].recorded_at
        assert volunteer.background_check_by_id == coordinators[records[-1].association_id]
    assert not VettingRecord.objects.filter(volunteer__vetting_state="pending", step="background_check").exists()


def test_the_urgent_concern_was_raised_by_its_report_and_taken_in_hand(loaded):
    urgent = IsolationAlert.objects.get(kind="urgent_concern", resolved_at__isnull=True)
    assert urgent.raised_at == urgent.report.submitted_at
    coordinator = urgent.association.memberships.get(role="coordinator").user
    assert urgent.assigned_to == coordinator and urgent.acknowledged_by == coordinator
    kinds = list(urgent.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds[:2] == ["acknowledged", "assigned"] and "call" in kinds


def test_assessments_were_recorded_and_scored_by_the_assessment_service(loaded):
    from missions import assessments
    from missions.models import Assessment

    recorded = Assessment.objects.select_related("beneficiary__association")
    assert recorded.count() >= 20
    for assessment in recorded:
        assert assessment.score == assessments.score(assessment.scale, assessment.answers).total
        assert assessment.taken_on >= assessment.beneficiary.assessed_on
        coordinator = assessment.beneficiary.association.memberships.get(role="coordinator").user
        assert assessment.recorded_by == coordinator


def test_missions_were_prepared_and_published_by_their_association_coordinators(loaded):
    from liens.geocoding import geocode
    from missions.models import Membership

    coordinators = set(Membership.objects.filter(role="coordinator").values_list("user_id", "association_id"))
    missions = Mission.objects.select_related("association", "beneficiary")
    assert missions.exists()
    for mission in missions:
        assert (mission.created_by_id, mission.association_id) in coordinators
        assert mission.created_at <= NOW
        if mission.beneficiary is None:
            # mission_create located the event from the address typed, as for any coordinator.
            point = geocode(mission.place)
            assert (mission.latitude, mission.longitude) == (
                (point.latitude, point.longitude) if point else (None, None)
            )
        else:
            assert mission.beneficiary.created_at <= mission.created_at
            assert (mission.latitude, mission.longitude) == (
                mission.beneficiary.latitude,
                mission.beneficiary.longitude,
            )
        if mission.status != Mission.Status.DRAFT:
            # mission_publish's conditions held: a validated association, a person followed and assessed.
            assert mission.association.validated_at is not None
            if mission.beneficiary is not None:
                assert mission.beneficiary.consent_on is not None and mission.beneficiary.assessed_on is not None


def test_matches_went_through_their_lifecycle_at_their_moments(loaded):
    from missions.models import Membership

    coordinators = set(Membership.objects.filter(role="coordinator").values_list("user_id", "association_id"))
    matches = Match.objects.select_related("mission")
    started = matches.filter(status__in=[Match.Status.ACTIVE, Match.Status.PAUSED, Match.Status.ENDED])
    assert started.filter(status=Match.Status.ACTIVE).count() >= 30
    for match in matches:
        # match_propose, by the association's coordinator, which scored the pair.
        assert (match.proposed_by_id, match.mission.association_id) in coordinators
        assert match.score_parts and match.proposed_at <= NOW
    for match in started:
        assert match.proposed_at < match.responded_at < match.activated_at <= NOW
        assert match.proposed_at.astimezone(PARIS).date() <= match.introduced_on
        assert match.introduced_on <= match.activated_at.astimezone(PARIS).date()
        # match_activate set the first review, match_review the next ones.
        assert match.next_review_on is not None
        assert match.last_review_on is None or match.last_review_on < match.next_review_on
        if match.status == Match.Status.ENDED:
            assert match.activated_at < match.ended_at <= NOW and match.ended_by_id is not None
    for match in matches.filter(status=Match.Status.DECLINED):
        assert match.ended_by_id == match.volunteer.user_id and match.proposed_at < match.ended_at


def test_no_visit_without_its_match_active_at_its_time(loaded):
    visits = Visit.objects.select_related("match")
    assert visits.exists()
    for visit in visits:
        match = visit.match
        assert match.activated_at is not None and match.activated_at <= visit.starts_at
        if match.ended_at is not None and visit.starts_at > match.ended_at:
            assert visit.status == Visit.Status.CANCELLED
        if match.paused_at is not None and visit.starts_at > match.paused_at:
            # Materialised before the pause: left as they were, neither chased nor reported
            # (resuming the match calls off those that fell in the pause).
            assert visit.status in (Visit.Status.SCHEDULED, Visit.Status.CANCELLED)


@pytest.fixture
def replayed(monkeypatch):
    """The demo loaded at the suite's instant (TEST_NOW replays it at hard moments), with every
    call the replay makes to the mission, matching and visit services written down in order:
    (service, row id, the clock then); a visit job also notes the visit ids it created."""
    from django.utils import timezone

    from seeds import history, lifecycle

    calls: list[tuple[str, int | None, dt.datetime]] = []
    created: list[tuple[str, int | None, range]] = []

    def spy(module, name, key):
        real = getattr(module, name)

        def wrapper(**kwargs):
            before = Visit.objects.aggregate(last=Max("pk"))["last"] or 0
            result = real(**kwargs)
            row = key(kwargs, result)
            calls.append((name, row, timezone.now()))
            after = Visit.objects.aggregate(last=Max("pk"))["last"] or 0
            if after > before:
                created.append((name, row, range(before + 1, after + 1)))
            return result

        monkeypatch.setattr(module, name, wrapper)

    spy(history, "mission_create", lambda kwargs, result: result.pk)
    spy(history, "mission_publish", lambda kwargs, result: kwargs["mission"].pk)
    for name in ("match_propose",):
        spy(lifecycle, name, lambda kwargs, result: result.pk)
    for name in ("match_accept", "match_introduce", "match_activate", "match_pause", "match_end", "match_decline"):
        spy(lifecycle, name, lambda kwargs, result: kwargs["match"].pk)
    spy(lifecycle, "match_visits_materialise", lambda kwargs, result: kwargs["match_id"])
    spy(lifecycle, "visits_materialise_all", lambda kwargs, result: None)
    spy(lifecycle, "reports_chase", lambda kwargs, result: None)
    now = timezone.now()
    reset_demo()  # the module's demo, within this test's transaction
    assert load_demo(now=now)["created"] is True
    return now, calls, created


def test_every_match_lived_through_the_matching_services_in_order_at_any_instant(replayed):
    """Each started match was proposed, accepted, introduced and started by the matching
    services, in that order and at its recorded moments, after its mission was published; no
    mission is open, filled or closed without having been published; every visit was made by
    the visit services once its match had started."""
    now, calls, created = replayed
    seen: dict[tuple[str, int], tuple[int, dt.datetime]] = {}
    for n, (name, row, at) in enumerate(calls):
        assert at <= now, (name, row)
        seen.setdefault((name, row), (n, at))
    for mission in Mission.objects.all():
        assert ("mission_create", mission.pk) in seen
        if mission.status == Mission.Status.DRAFT:
            assert ("mission_publish", mission.pk) not in seen
            assert not mission.matches.exists()
        else:
            assert ("mission_publish", mission.pk) in seen, mission
    started = Match.objects.filter(status__in=[Match.Status.ACTIVE, Match.Status.PAUSED, Match.Status.ENDED])
    assert started.filter(status=Match.Status.ACTIVE).count() >= 35
    for match in Match.objects.select_related("mission"):
        published, _ = seen[("mission_publish", match.mission_id)]
        proposed, proposed_at = seen[("match_propose", match.pk)]
        assert published < proposed and match.proposed_at == proposed_at
    for match in started:
        steps = [
            seen[(name, match.pk)] for name in ("match_propose", "match_accept", "match_introduce", "match_activate")
        ]
        assert [n for n, _ in steps] == sorted(n for n, _ in steps)
        assert [at for _, at in steps] == sorted(at for _, at in steps)
        assert (match.proposed_at, match.responded_at, match.activated_at) == (steps[0][1], steps[1][1], steps[3][1])
    made = {pk: (name, row) for name, row, pks in created for pk in pks}
    activated = {row: at for (name, row), (_, at) in seen.items() if name == "match_activate"}
    for visit in Visit.objects.all():
        name, row = made[visit.pk]
        assert name in ("match_visits_materialise", "visits_materialise_all", "match_activate")
        assert row in (None, visit.match_id)
        assert activated[visit.match_id] <= visit.starts_at


def test_the_home_care_service_delivers_two_plans_through_the_services(loaded):
    service = Association.objects.get(kind=Association.Kind.HOME_CARE)
    plans = ApaPlan.objects.filter(service=service)
    assert plans.count() == 2
    assert {plan.beneficiary.association.name for plan in plans} == {ASSOCIATIONS[0].name}
    sessions = LienSocialSession.objects.filter(plan__service=service)
    assert sessions.exists() and all(s.contact_id and s.starts_at < NOW for s in sessions)
    assert set(service.memberships.values_list("role", flat=True)) == {"manager", "professional"}
