"""A small world of association A, hand-counted for October 2026 (Paris days), with some of B's
rows that must never be counted. Every figure the report shows is written out in WORLD_OCTOBER.
"""

import datetime
from zoneinfo import ZoneInfo

from missions.models import (
    AlertEvent,
    ApaPlan,
    Assessment,
    Association,
    Beneficiary,
    Contact,
    IsolationAlert,
    LienSocialSession,
    Partner,
    Referral,
    Visit,
    VisitReport,
)
from tests import factories

PARIS = ZoneInfo("Europe/Paris")
D = datetime.date


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


def _person(association, name, status=Beneficiary.Status.ACTIVE, followed_since=None, **extra):
    return factories.BeneficiaryFactory(
        association=association, last_name=name, status=status, followed_since=followed_since, **extra
    )


def _visit(match, starts_at, status=Visit.Status.DONE, minutes=None, contact=True):
    visit = factories.VisitFactory(
        match=match, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1), status=status
    )
    if minutes is not None:
        VisitReport.objects.create(visit=visit, happened=True, duration_minutes=minutes)
    if status == Visit.Status.DONE and contact:
        Contact.objects.create(
            beneficiary=match.mission.beneficiary,
            kind=Contact.Kind.VISIT,
            occurred_at=starts_at,
            visit=visit,
            volunteer=match.volunteer,
        )
    return visit


def _match(volunteer, person):
    return factories.MatchFactory(volunteer=volunteer, mission=factories.MissionFactory(beneficiary=person))


def _contact(person, kind, moment):
    return Contact.objects.create(beneficiary=person, kind=kind, occurred_at=moment)


def _referral(association, partner, received_at, status=Referral.Status.RECEIVED, outcome="", decline_reason=""):
    return Referral.objects.create(
        association=association,
        partner=partner,
        referrer_name="Dr Martin",
        first_name="Jeanne",
        last_name="Dupuis",
        postcode="69004",
        reach_by=Referral.Reach.PHONE,
        consent=Referral.Consent.GIVEN,
        received_at=received_at,
        status=status,
        outcome=outcome,
        decline_reason=decline_reason,
    )


def _alert(person, kind, raised_at, acknowledged_at=None, resolved_at=None):
    return IsolationAlert.objects.create(
        beneficiary=person,
        association=person.association,
        kind=kind,
        severity=4 if kind == IsolationAlert.Kind.URGENT_CONCERN else 1,
        started_at=raised_at,
        raised_at=raised_at,
        acknowledged_at=acknowledged_at,
        resolved_at=resolved_at,
    )


def _scores(person, scale, *dated):
    for day, score in dated:
        Assessment.objects.create(beneficiary=person, scale=scale, answers=[], score=score, taken_on=day)


def build_world(association_a, association_b, coordinator_a):
    """The rows; returns the people by name."""
    v1, v2, v3 = factories.VolunteerFactory(), factories.VolunteerFactory(), factories.VolunteerFactory()
    a = association_a
    p1 = _person(a, "Un", followed_since=at(2026, 9, 1, 10))
    p2 = _person(a, "Deux", followed_since=at(2026, 10, 10, 10))  # new in October
    p3 = _person(a, "Trois", followed_since=at(2026, 1, 1, 10))  # silent since August
    p4 = _person(a, "Quatre", status=Beneficiary.Status.ENDED, followed_since=at(2026, 2, 1, 10))
    _person(a, "Cinq", status=Beneficiary.Status.ENDED, followed_since=at(2026, 2, 1, 10))  # not followed
    _person(a, "Six", status=Beneficiary.Status.INTAKE)  # not followed yet
    p7 = _person(a, "Sept", status=Beneficiary.Status.PAUSED, followed_since=at(2026, 3, 1, 10), paused_until=None)
    _person(a, "Huit", followed_since=at(2026, 11, 5, 10))  # followed after October
    p9 = _person(a, "Neuf", followed_since=at(2026, 6, 1, 10))

    m1 = _match(v1, p1)
    _visit(m1, at(2026, 9, 10, 15), minutes=60)
    _visit(m1, at(2026, 9, 30, 23, 30), minutes=30)  # the last evening of September in Paris
    _visit(m1, at(2026, 10, 5, 15), minutes=60)
    _visit(m1, at(2026, 10, 12, 15), status=Visit.Status.MISSED)
    _visit(m1, at(2026, 10, 31, 23, 30), minutes=90)  # 22:30 UTC: the last evening of October
    m2, m3 = _match(v2, p2), _match(v3, p2)
    _visit(m2, at(2026, 10, 15, 15), minutes=45)
    _visit(m3, at(2026, 10, 20, 15), minutes=30)
    _visit(m2, at(2026, 10, 22, 15), status=Visit.Status.CANCELLED)
    _visit(m2, at(2026, 11, 1, 0, 30), minutes=60)  # 31 October 23:30 UTC, but November in Paris
    _visit(_match(v2, p9), at(2026, 9, 8, 15), minutes=60)
    _visit(_match(v3, p9), at(2026, 10, 8, 15), minutes=60)

    _contact(p3, Contact.Kind.STAFF_CALL, at(2026, 8, 1, 10))
    _contact(p4, Contact.Kind.FAMILY, at(2026, 10, 3, 10))
    _contact(p7, Contact.Kind.CALL, at(2026, 10, 28, 10))

    service = factories.AssociationFactory(name="SAAD Saône", kind=Association.Kind.HOME_CARE)
    plan = ApaPlan.objects.create(beneficiary=p2, service=service, hours_per_month=6, starts_on=D(2026, 1, 1))
    for moment, minutes in ((at(2026, 10, 18, 10), 60), (at(2026, 10, 31, 23, 30), 30), (at(2026, 11, 1, 0, 30), 45)):
        contact = _contact(p2, Contact.Kind.LIEN_SOCIAL, moment)
        LienSocialSession.objects.create(
            plan=plan,
            starts_at=moment,
            duration_minutes=minutes,
            activity=LienSocialSession.Activity.GAMES,
            mood="good",
            contact=contact,
        )

    gp = Partner.objects.create(
        association=a, kind=Partner.Kind.GP, name="Cabinet du Plateau", email="cabinet@exemple.fr"
    )
    ccas = Partner.objects.create(association=a, kind=Partner.Kind.CCAS, name="CCAS Lyon 4e", email="ccas@exemple.fr")
    _referral(a, gp, at(2026, 10, 2, 10))
    _referral(a, gp, at(2026, 10, 10, 10), status=Referral.Status.DECLINED, decline_reason="unreachable")
    _referral(a, None, at(2026, 10, 31, 23, 30), status=Referral.Status.CLOSED, outcome=Referral.Outcome.FOLLOWED)
    _referral(a, ccas, at(2026, 10, 20, 10), status=Referral.Status.FIRST_VISIT)
    _referral(a, ccas, at(2026, 11, 1, 0, 30))  # November
    _referral(a, ccas, at(2026, 9, 30, 10))  # September

    _alert(p3, IsolationAlert.Kind.NO_CONTACT, at(2026, 9, 20, 10), resolved_at=at(2026, 9, 25, 10))  # September
    _alert(p3, IsolationAlert.Kind.NO_CONTACT, at(2026, 10, 2, 10), acknowledged_at=at(2026, 10, 2, 13))  # 3 h
    a2 = _alert(p9, IsolationAlert.Kind.NO_CONTACT, at(2026, 10, 16, 9))
    AlertEvent.objects.create(alert=a2, kind=AlertEvent.Kind.SEVERITY, at=at(2026, 10, 16, 10))  # the sweep's
    AlertEvent.objects.create(alert=a2, kind=AlertEvent.Kind.NOTE, at=at(2026, 10, 17, 9), author=coordinator_a)
    a3 = _alert(p1, IsolationAlert.Kind.URGENT_CONCERN, at(2026, 10, 5, 18), acknowledged_at=at(2026, 10, 5, 18, 30))
    AlertEvent.objects.create(alert=a3, kind=AlertEvent.Kind.CALL, at=at(2026, 10, 5, 18, 12), author=coordinator_a)
    _alert(p1, IsolationAlert.Kind.MISSED_VISITS, at(2026, 10, 13, 10))  # nobody acted yet

    _scores(p1, "ucla3", (D(2026, 4, 1), 7), (D(2026, 7, 1), 5), (D(2026, 10, 20), 4))
    _scores(p1, "lsns6", (D(2026, 4, 1), 10), (D(2026, 10, 1), 14))
    _scores(p2, "ucla3", (D(2026, 10, 11), 6), (D(2026, 11, 5), 3))  # the second after October
    _scores(p9, "ucla3", (D(2026, 6, 1), 8), (D(2026, 9, 1), 6))
    _scores(p3, "djg6", (D(2026, 5, 1), 4))

    # Association B's rows: never in A's figures.
    b = _person(association_b, "Ailleurs", followed_since=at(2026, 10, 2, 10))
    _visit(_match(v1, b), at(2026, 10, 6, 15), minutes=120)
    _referral(association_b, None, at(2026, 10, 6, 10))
    _alert(b, IsolationAlert.Kind.NO_CONTACT, at(2026, 10, 20, 10), acknowledged_at=at(2026, 10, 20, 11))
    _scores(b, "ucla3", (D(2026, 4, 1), 9), (D(2026, 10, 1), 3))
    return {"p1": p1, "p2": p2, "p3": p3, "p9": p9, "b": b}


# October 2026 for association A, counted by hand from build_world.
WORLD_OCTOBER = {
    # Un, Deux, Trois, Quatre (ended, but a contact in October), Sept (paused), Neuf.
    "people_followed": 6,
    "people_new": 1,  # Deux
    "referrals_new": 4,
    "referrals_by_source": {"gp": 2, "public": 1, "ccas": 1},
    "referrals_by_status": {"received": 1, "declined": 1, "closed": 1, "first_visit": 1},
    "referrals_by_outcome": {"followed": 1},
    "visits_by_status": {"done": 5, "missed": 1, "cancelled": 1},
    # Visits: Un 5 and 31 Oct, Deux 15 and 20, Neuf 8; family: Quatre; call: Sept; lien social: Deux 18 and 31.
    "contacts_by_kind": {"visit": 5, "family": 1, "call": 1, "lien_social": 2},
    "volunteer_visits_counted": 5,
    "volunteer_minutes": 60 + 90 + 45 + 30 + 60,
    "volunteer_hours": 4.8,  # 285 minutes
    "lien_social_sessions": 2,
    "lien_social_minutes": 90,
    "lien_social_hours": 1.5,
    # At 1 November 00:00 Paris, target 7 days: Un (31 Oct), Deux (31 Oct), Sept (28 Oct) within;
    # Trois (1 August) and Neuf (8 October) not. Quatre ended.
    "within_target": {"count": 3, "total": 5, "percent": 60.0},
    "alerts": [
        {"kind": "no_contact", "raised": 2, "acted_on": 2, "median_hours": 13.5, "max_hours": 24.0},
        {"kind": "urgent_concern", "raised": 1, "acted_on": 1, "median_hours": 0.2, "max_hours": 0.2},
        {"kind": "missed_visits", "raised": 1, "acted_on": 0, "median_hours": None, "max_hours": None},
    ],
    # Un: V1 only; Deux: V2 and V3; Neuf: V3 only.
    "one_visitor": {"count": 2, "total": 3, "percent": 66.7},
    # Months visited whose previous month was too: Un (V1 both), Neuf (V2 then V3).
    "visitor_kept_months": {"count": 1, "total": 2, "percent": 50.0},
    "volunteers_active": 3,  # V1, V2, V3 (A's visits only)
    "volunteers_active_before": 2,  # 31 August to 30 September: V1, V2
    "volunteers_retained": 2,
    "scores": [
        {
            "scale": "ucla3",
            "label": "UCLA-3",
            "people": 2,
            "mean_first": 7.5,
            "mean_last": 5.0,
            "higher_is_worse": True,
        },
        {
            "scale": "lsns6",
            "label": "LSNS-6",
            "people": 1,
            "mean_first": 10.0,
            "mean_last": 14.0,
            "higher_is_worse": False,
        },
        {
            "scale": "djg6",
            "label": "DJG-6",
            "people": 0,
            "mean_first": None,
            "mean_last": None,
            "higher_is_worse": True,
        },
    ],
}
