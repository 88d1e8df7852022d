"""The whole API fuzzed from its own OpenAPI schema, once per persona: no answer is a server
error, and every answer is one the schema documents (status code, content type, body).

The schema is read live from /api/schema/ through the WSGI application, as a client would; the
requests go through the same application, inside the test's transaction, so whatever the
fuzzing writes is rolled back. Examples are bounded and derandomized: the same run every time.
Generated ids are swapped for ids of real rows of association A (all of them for the personas
fuzzed with every phase, half for the others), so the fuzzing reaches past "404" into the views.
"""

import datetime
import time

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from liens.wsgi import application
from missions.alerts.sweep import isolation_sweep
from missions.association.imports import import_job_check, import_job_create
from missions.models import Assessment, ImportJob, IsolationAlert, Membership
from tests import factories
from tests.alerts.conftest import followed

pytestmark = pytest.mark.django_db

EXAMPLES = 6
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def _config(*, coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": 20251205,
            "generation": {"max-examples": EXAMPLES, "deterministic": True},
            # Coverage: boundary values, wrong types, missing fields and OPTIONS on every path.
            # Stateful chains would need links the schema does not declare.
            "phases": {
                "coverage": {"enabled": coverage, "unexpected-methods": ["OPTIONS"]},
                "stateful": {"enabled": False},
            },
        }
    )


FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
CSV = (
    "Prénom;Nom;Adresse;Code postal;Ville;Orienté par\n"
    "Germaine;Vial;12 rue d'Austerlitz;69004;Lyon;CCAS\n"
    "Marcel;Roux;5 rue Dumenge;69004;Lyon;famille\n"
)

# What each persona's fuzzing did, for the summary printed at the end of the file's run.
RUN = {"requests": 0, "by_status": {}, "seconds": 0.0}


@pytest.fixture
def world(association_a, coordinator_a, volunteer, admin_user):
    """One of everything in association A, so real ids have something behind them."""
    beneficiary = followed(association_a, days_silent=12)
    isolation_sweep()
    mission = factories.MissionFactory(beneficiary=beneficiary)
    match = factories.MatchFactory(mission=mission, volunteer=volunteer)
    visit = factories.VisitFactory(match=match, starts_at=timezone.now() - datetime.timedelta(days=1))
    Assessment.objects.create(
        beneficiary=beneficiary, scale="ucla3", answers=[1, 2, 3], score=6, taken_on=timezone.localdate()
    )
    job = import_job_create(association=association_a, by=coordinator_a, filename="personnes.csv", content=CSV.encode())
    import_job_check(job_id=job.pk)
    pending = factories.AssociationFactory(validated_at=None)
    return {
        "id": IsolationAlert.objects.get().pk,
        "beneficiary_id": beneficiary.pk,
        "mission_id": mission.pk,
        "match_id": match.pk,
        "visit_id": visit.pk,
        "job_id": ImportJob.objects.get().pk,
        "association_id": pending.pk,
        "membership_id": Membership.objects.get(user=coordinator_a).pk,
        "volunteer_id": volunteer.pk,
    }


def _load(settings, *, coverage: bool):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    loaded = schemathesis.openapi.from_wsgi("/api/schema/", application, config=_config(coverage=coverage))

    return loaded


@pytest.fixture(autouse=True)
def _requests_in_the_test_transaction():
    # Django closes the connection at the end of each request; here every request runs inside
    # the test's transaction, as Django's own test client arranges.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(settings):
    """Every phase: the personas who reach into the views."""
    return _load(settings, coverage=True)


@pytest.fixture
def api_schema_quick(settings):
    """Examples and fuzzing only: for the personas refused at the door of most operations."""
    return _load(settings, coverage=False)


schema = schemathesis.pytest.from_fixture("api_schema")
schema_quick = schemathesis.pytest.from_fixture("api_schema_quick")


def _token(user) -> dict:
    token, _created = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def _check(case, headers: dict, world: dict | None = None, *, every_id: bool = False) -> None:
    # Generated ids become real ones: every one for the personas fuzzed with every phase (the
    # bodies and queries are what varies), every other one for the others, whose odd ids try
    # rows that do not exist. Done here rather than in a hook, so it holds in every phase.
    for name, value in (case.path_parameters or {}).items():
        number = int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdecimal()) else None
        if world and name in world and number is not None and (every_id or number % 2 == 0):
            case.path_parameters[name] = world[name]
    started = time.monotonic()
    # A fresh cookie jar for every request: the persona is its token alone.
    response = case.call(headers=headers, cookies={})
    RUN["seconds"] += time.monotonic() - started
    RUN["requests"] += 1
    RUN["by_status"][response.status_code] = RUN["by_status"].get(response.status_code, 0) + 1
    case.validate_response(response, checks=CHECKS, headers=headers)


# Every phase where a persona reaches into the views; examples and fuzzing where it is refused at
# the door (a volunteer on the staff API, a coordinator on the volunteer's own API).
VOLUNTEER_OWN = r"^/api/(volunteer|matching/recommendations)/"
STAFF_OWN = r"^/api/(association|alerts|matching)/"


@schema_quick.parametrize()
@FUZZ
def test_anonymous_gets_no_server_error_and_documented_answers(case):
    _check(case, {})


@schema.include(path_regex=VOLUNTEER_OWN).parametrize()
@FUZZ
def test_a_volunteer_gets_no_server_error_and_documented_answers_on_their_api(case, world, volunteer):
    _check(case, _token(volunteer.user), world, every_id=True)


@schema_quick.exclude(path_regex=VOLUNTEER_OWN).parametrize()
@FUZZ
def test_a_volunteer_gets_no_server_error_and_documented_answers_elsewhere(case, world, volunteer):
    _check(case, _token(volunteer.user), world)


@schema.include(path_regex=STAFF_OWN).parametrize()
@FUZZ
def test_a_coordinator_gets_no_server_error_and_documented_answers_on_the_staff_api(case, world, coordinator_a):
    _check(case, _token(coordinator_a), world, every_id=True)


@schema_quick.exclude(path_regex=STAFF_OWN).parametrize()
@FUZZ
def test_a_coordinator_gets_no_server_error_and_documented_answers_elsewhere(case, world, coordinator_a):
    _check(case, _token(coordinator_a), world)


@schema_quick.parametrize()
@FUZZ
def test_a_platform_admin_gets_no_server_error_and_documented_answers(case, world, admin_user):
    _check(case, _token(admin_user), world)


def test_the_fuzzing_reached_past_the_door():
    """Runs last in this file: the personas' requests got real answers, not only refusals."""
    if not RUN["requests"]:
        pytest.skip("run with the fuzz tests above")
    statuses = dict(sorted(RUN["by_status"].items()))
    print(f"\nfuzz: {RUN['requests']} requests in {RUN['seconds']:.0f} s of answering, by status {statuses}")
    assert RUN["by_status"].get(200, 0) + RUN["by_status"].get(201, 0) > 0
    assert RUN["by_status"].get(400, 0) > 0
    assert not any(status >= 500 for status in RUN["by_status"])
