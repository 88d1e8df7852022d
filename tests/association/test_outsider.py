"""An outsider is refused, with 404, on every URL that shows or changes association A's data.

The URLs are not listed by hand: the test walks the whole URL conf, so a page or endpoint
added later by any area is covered the day it appears. Each pattern's keyword arguments are
filled with association A's objects and coordinator B (another association's coordinator)
tries GET and POST (and PATCH and DELETE, for the API): each must answer 404 — or 405 when
the URL does not take that method for anyone (its owner gets 405 too), which reveals nothing.

A pattern whose arguments the test does not know makes it fail: decide then whether it is an
association-owned id (add it to OWNED_KWARGS), or public / not association data (add it,
with the reason, to an allow-list below).
"""

import datetime

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from liens.models import PushSubscription
from missions.models import (
    AlertEvent,
    ApaPlan,
    Assessment,
    Beneficiary,
    Contact,
    ImportJob,
    Invitation,
    IsolationAlert,
    KeyContact,
    LienSocialSession,
    Match,
    Membership,
    Mission,
    Partner,
    Referral,
    Visit,
    VisitReport,
)
from tests import factories

# Keyword arguments that name an association-owned object → how to get association A's one.
OWNED_KWARGS = {
    "association_id": lambda w: w["association"].pk,
    "membership_id": lambda w: w["membership"].pk,
    "invitation_id": lambda w: w["invitation"].pk,
    "beneficiary_id": lambda w: w["beneficiary"].pk,
    "key_contact_id": lambda w: w["key_contact"].pk,
    "assessment_id": lambda w: w["assessment"].pk,
    "mission_id": lambda w: w["mission"].pk,
    "match_id": lambda w: w["match"].pk,
    "visit_id": lambda w: w["visit"].pk,
    "report_id": lambda w: w["report"].pk,
    "contact_id": lambda w: w["contact"].pk,
    "alert_id": lambda w: w["alert"].pk,
    "event_id": lambda w: w["event"].pk,
    "job_id": lambda w: w["job"].pk,
    # A volunteer in a live match with A, living outside B's département: B has no reason to see them.
    "volunteer_id": lambda w: w["volunteer"].pk,
    # A device of A's coordinator receiving web push: anyone else's session gets 404.
    "subscription_id": lambda w: w["subscription"].pk,
    # An APA plan of A's person (missions.liensocial), delivered by a home-care service.
    "plan_id": lambda w: w["plan"].pk,
    "partner_id": lambda w: w["partner"].pk,
    "referral_id": lambda w: w["referral"].pk,
}

# Generic "pk"/"id" arguments: the model comes from the view class when it says so
# (queryset / model attribute), else from the URL name, else from the URL namespace.
PK_MODEL_BY_URL_NAME: dict[str, type] = {}
PK_MODEL_BY_NAMESPACE: dict[str, type] = {
    "alerts": IsolationAlert,  # the alert queue's pages: /alerts/<pk>/...
    "alerts_api": IsolationAlert,
    "visits": Visit,  # staff actions on a visit: /visits/<pk>/cancel, /move
}
MODEL_TO_WORLD = {
    Beneficiary: "beneficiary",
    KeyContact: "key_contact",
    Assessment: "assessment",
    Mission: "mission",
    Match: "match",
    Visit: "visit",
    VisitReport: "report",
    Contact: "contact",
    IsolationAlert: "alert",
    AlertEvent: "event",
    ImportJob: "job",
    Invitation: "invitation",
    Membership: "membership",
}

# Arguments that are not object ids, with a harmless value; the pattern is still tried.
PLAIN_KWARGS = {
    "format": "json",  # DRF format suffixes
    "step": "place",  # a volunteer's own profile wizard step name
    "action": "activate",  # the verb of a match action; the match itself is match_id
    "section": "preferences",  # a section of a person's file; the person is beneficiary_id
    "year": 2026,  # a statement's month; the service is the caller's own, the plan is plan_id
    "month": 11,
    "fmt": "pdf",  # a statement's format
    # An activity report's export format; the association is ?association= (tried below, in
    # test_the_activity_report_of_another_association_is_404) or a platform admin's territory.
    "export": "csv",
}

# URL namespaces not checked here, and why.
SKIPPED_NAMESPACES = {
    # Django admin: only platform admins (is_staff) get in; anyone else is sent to its login.
    "admin",
    # The public catalogue: anyone, signed in or not, sees every open mission of a validated
    # association, as a safe card (tests/catalogue checks what a card never shows).
    "catalogue",
}

# Individual URL names not checked here, and why.
SKIPPED_URL_NAMES = {
    # Public: the signed one-use invitation link is the key itself, not an id to guess.
    "association:invitation-accept",
    # allauth: e-mail confirmation and password reset links carry a secret key, not an id.
    "account_confirm_email",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    # The verification email's link (volunteers.email_link): a signed key, not an id.
    "volunteers:confirm_email",
    # A volunteer's private calendar feed: the unguessable token is the key, no session involved.
    "volunteers:calendar_feed",
    # The signed one-tap "I can't come" link sent to a volunteer: the signature is the key.
    "visits:cant_come",
    # The public check of a volunteer's certificate: the signed reference is the certificate
    # itself (what it shows is printed on it), not an id to guess; a forged one is refused.
    "outcomes:certificate-verify",
    # A partner's private referral form: the unguessable link is the key (tests/referrals).
    "refer:form",
    "refer:sent",
}


def _walk(patterns, namespaces=(), kwargs=()):
    for entry in patterns:
        names = tuple(_kwarg_names(entry.pattern))
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, ns, kwargs + names)
        elif isinstance(entry, URLPattern):
            yield namespaces, entry, kwargs + names


def _kwarg_names(pattern) -> list[str]:
    converters = getattr(pattern, "converters", None)
    if converters:
        return list(converters)
    regex = getattr(pattern, "regex", None)
    return list(regex.groupindex) if regex is not None else []


def _view_model(entry: URLPattern):
    view_class = getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)
    queryset = getattr(view_class, "queryset", None)
    if queryset is not None:
        return queryset.model
    return getattr(view_class, "model", None)


def _targets(world):
    """(url name, url) for every pattern taking an object id; fails on unknown arguments."""
    unknown, targets = [], []
    for namespaces, entry, names in _walk(get_resolver().url_patterns):
        if not names or (namespaces and namespaces[0] in SKIPPED_NAMESPACES):
            continue
        full_name = ":".join((*namespaces, entry.name)) if entry.name else None
        if full_name in SKIPPED_URL_NAMES:
            continue
        if full_name is None:
            unknown.append(f"unnamed pattern {entry.pattern} with {names}: give it a name")
            continue
        values, problem = {}, None
        for name in names:
            if name in OWNED_KWARGS:
                values[name] = OWNED_KWARGS[name](world)
            elif name in PLAIN_KWARGS:
                values[name] = PLAIN_KWARGS[name]
            elif name in ("pk", "id", "object_id"):
                model = (
                    _view_model(entry)
                    or PK_MODEL_BY_URL_NAME.get(full_name)
                    or PK_MODEL_BY_NAMESPACE.get(namespaces[-1] if namespaces else "")
                )
                if model not in MODEL_TO_WORLD:
                    problem = f"{full_name}: cannot tell which model {name!r} names"
                    break
                values[name] = world[MODEL_TO_WORLD[model]].pk
            else:
                problem = f"{full_name}: unknown argument {name!r}"
                break
        if problem:
            unknown.append(problem)
            continue
        if not any(name in OWNED_KWARGS or name in ("pk", "id", "object_id") for name in names):
            continue  # only plain arguments: nothing of A's is named
        targets.append((full_name, reverse(full_name, kwargs=values)))
    assert not unknown, "URL patterns with arguments this test does not know:\n" + "\n".join(unknown)
    return targets


@pytest.fixture
def world(association_a, coordinator_a):
    """One of each association-owned object, all belonging to association A."""
    beneficiary = factories.BeneficiaryFactory(association=association_a, assessed_on=timezone.localdate())
    mission = factories.MissionFactory(beneficiary=beneficiary)
    volunteer = factories.VolunteerFactory(postcode="75011", city="Paris", latitude=48.858, longitude=2.38)
    match = factories.MatchFactory(volunteer=volunteer, mission=mission, status=Match.Status.ACTIVE)
    visit = factories.VisitFactory(match=match)
    past = factories.VisitFactory(
        match=match,
        starts_at=timezone.now() - datetime.timedelta(days=2),
        ends_at=timezone.now() - datetime.timedelta(days=2) + datetime.timedelta(hours=1),
    )
    report = VisitReport.objects.create(visit=past, happened=True, mood=VisitReport.Mood.GOOD)
    contact = Contact.objects.create(beneficiary=beneficiary, kind=Contact.Kind.VISIT, occurred_at=timezone.now())
    alert = IsolationAlert.objects.create(
        beneficiary=beneficiary,
        association=association_a,
        kind=IsolationAlert.Kind.NO_CONTACT,
        started_at=timezone.now(),
        raised_at=timezone.now(),
    )
    event = AlertEvent.objects.create(alert=alert, kind=AlertEvent.Kind.NOTE, at=timezone.now())
    partner = Partner.objects.create(association=association_a, kind=Partner.Kind.GP, name="Cabinet", email="c@ex.fr")
    return {
        "association": association_a,
        "membership": Membership.objects.get(user=coordinator_a, association=association_a),
        "invitation": Invitation.objects.create(
            association=association_a, email="new@exemple.fr", expires_at=timezone.now() + datetime.timedelta(days=3)
        ),
        "beneficiary": beneficiary,
        "key_contact": KeyContact.objects.create(beneficiary=beneficiary, kind=KeyContact.Kind.GP, name="Dr Roux"),
        "assessment": Assessment.objects.create(
            beneficiary=beneficiary, scale="ucla3", answers=[2, 2, 2], score=6, taken_on=timezone.localdate()
        ),
        "mission": mission,
        "match": match,
        "visit": visit,
        "report": report,
        "contact": contact,
        "alert": alert,
        "event": event,
        "job": ImportJob.objects.create(association=association_a, filename="x.csv", content=b"Nom\n"),
        "volunteer": volunteer,
        "subscription": PushSubscription.objects.create(
            user=coordinator_a, endpoint="https://push.example.org/a", p256dh="x", auth="y"
        ),
        "plan": ApaPlan.objects.create(
            beneficiary=beneficiary,
            service=factories.AssociationFactory(kind="home_care"),
            hours_per_month=6,
            starts_on=timezone.localdate(),
        ),
        "partner": partner,
        "referral": Referral.objects.create(
            association=association_a,
            partner=partner,
            referrer_name="Dr Roux",
            first_name="Jeanne",
            last_name="Dufresne",
            postcode="69004",
            reach_by=Referral.Reach.PHONE,
            consent=Referral.Consent.GIVEN,
            received_at=timezone.now(),
            possible_duplicate=beneficiary,
        ),
    }


def _snapshot(world) -> dict:
    """What an outsider's POST must never change."""
    return {
        "beneficiary": Beneficiary.objects.filter(pk=world["beneficiary"].pk).values().get(),
        "mission": Mission.objects.filter(pk=world["mission"].pk).values().get(),
        "match": Match.objects.filter(pk=world["match"].pk).values().get(),
        "visit": Visit.objects.filter(pk=world["visit"].pk).values("status", "starts_at").get(),
        "alert": IsolationAlert.objects.filter(pk=world["alert"].pk).values().get(),
        "memberships": sorted(Membership.objects.values_list("pk", flat=True)),
        "invitations": sorted(Invitation.objects.values_list("pk", "token")),
        "key_contacts": KeyContact.objects.count(),
        "assessments": Assessment.objects.count(),
        "contacts": Contact.objects.count(),
        "events": AlertEvent.objects.count(),
        "volunteer": type(world["volunteer"]).objects.filter(pk=world["volunteer"].pk).values().get(),
        "subscriptions": sorted(PushSubscription.objects.values_list("pk", flat=True)),
        "plans": list(ApaPlan.objects.order_by("pk").values()),
        "sessions": LienSocialSession.objects.count(),
        "partner": Partner.objects.filter(pk=world["partner"].pk).values().get(),
        "referral": Referral.objects.filter(pk=world["referral"].pk).values().get(),
        "beneficiaries": Beneficiary.objects.count(),
    }


def _client(user) -> Client:
    # A crash answers 500 here instead of raising, so one run lists every failing URL.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_coordinator_b_gets_404_on_every_url_naming_association_a_objects(world, coordinator_a, coordinator_b):
    coordinator_a_client, coordinator_b_client = _client(coordinator_a), _client(coordinator_b)
    targets = _targets(world)
    # The walk must find the association pages and endpoints, or it checks nothing.
    names = {name for name, _url in targets}
    assert {"association:beneficiary", "association:mission", "api-association-beneficiary"} <= names
    assert {"referrals:detail", "referrals:partner-deactivate", "api-association-referral-transition"} <= names

    before = _snapshot(world)
    leaks = []
    for name, url in targets:
        for method in ("get", "post", "patch", "delete"):
            response = getattr(coordinator_b_client, method)(url)
            if response.status_code == 404:
                continue
            if response.status_code == 405:
                # Fine only when the URL refuses this method to its owner as well.
                owner = getattr(coordinator_a_client, method)(url)
                if owner.status_code == 405:
                    continue
            leaks.append(f"{method.upper()} {url} ({name}) → {response.status_code}")
    assert not leaks, "coordinator B reached association A's data:\n" + "\n".join(leaks)
    assert _snapshot(world) == before


def test_the_owner_reaches_the_association_pages_the_outsider_cannot(world, coordinator_a_client):
    """Guards the test above against passing vacuously: A's own coordinator gets through."""
    refused = []
    for name, url in _targets(world):
        is_ours = name.startswith(("association:", "referrals:", "api-association-"))
        if not is_ours or "admin" in name or name.endswith("-validate"):
            continue  # platform-admin URLs refuse coordinators, their own or not
        status = coordinator_a_client.get(url).status_code
        if status not in (200, 405):
            refused.append(f"GET {url} ({name}) → {status}")
    assert not refused, "\n".join(refused)


def test_anonymous_visitors_are_sent_to_sign_in_or_refused(world):
    client = Client()
    for name, url in _targets(world):
        if not name.startswith(("association:", "referrals:", "api-association-")):
            continue
        status = client.get(url).status_code
        assert status in (302, 401, 403, 404, 405), f"{url} → {status}"


def test_lists_and_the_home_of_another_association_never_show_a_s_people(world, coordinator_b_client):
    name = world["beneficiary"].last_name
    for url_name in ("association:home", "association:beneficiaries", "association:missions", "association:vetting"):
        page = coordinator_b_client.get(reverse(url_name)).content.decode()
        assert name not in page, url_name
    assert (
        world["volunteer"].user.last_name
        not in coordinator_b_client.get(reverse("association:vetting")).content.decode()
    )


# Association A's figures reached by ?association= (the walk above tries path arguments only),
# and the platform admins' territory report: the inventory of report URLs an outsider tries.
QUERY_SCOPED = {
    "outcomes:activity": {},
    "outcomes:activity-export": {"export": "csv"},
    "outcomes:territory-activity": {},
    "outcomes:territory-activity-export": {"export": "csv"},
    "api-association-activity": {},
}


def test_the_activity_report_of_another_association_is_404(world, association_a, coordinator_a, coordinator_b):
    # The inventory must hold every report URL there is: a new one joins it or this fails.
    walked = {
        ":".join((*namespaces, entry.name))
        for namespaces, entry, _names in _walk(get_resolver().url_patterns)
        if entry.name and "activity" in entry.name
    }
    assert walked == set(QUERY_SCOPED)
    owner, outsider = _client(coordinator_a), _client(coordinator_b)
    for name, kwargs in QUERY_SCOPED.items():
        url = reverse(name, kwargs=kwargs)
        query = {"association": association_a.pk}
        assert outsider.get(url, query).status_code == 404, name
        if not name.startswith("outcomes:territory"):
            assert owner.get(url, query).status_code == 200, name  # the test can fail
