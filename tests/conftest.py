"""Shared fixtures: the personas every view and endpoint is tried with."""

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client

from tests import factories
from tests.clock import suite_instant
from tests.push_service import FakePushService, vapid_pair


def pytest_configure(config):
    # Collection and session fixtures run at the suite's instant too, not only the tests.
    time_machine.travel(suite_instant(), tick=True).start()
    # Every reuse of a compiled query is compared with the query its function builds now.
    from django.conf import settings

    settings.LIENS_CHECK_COMPILED_QUERIES = True


def pytest_report_header(config):
    return f"clock: each test starts at {suite_instant().isoformat()} (TEST_NOW moves it)"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache. The rate limiters (sign-in, token, sign-up, password
    reset) keep their counts there, and every test starts at the same instant: without this,
    attempts left by earlier tests would still be "within the last minute" and throttle later ones.
    """
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fixed_clock():
    """Each test starts at the suite's instant and the clock ticks from there."""
    with time_machine.travel(suite_instant(), tick=True) as traveller:
        yield traveller


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def association_a(db):
    return factories.AssociationFactory(name="Voisins de la Croix-Rousse")


@pytest.fixture
def association_b(db):
    return factories.AssociationFactory(name="Entraide Guillotière")


@pytest.fixture
def volunteer(db):
    return factories.VolunteerFactory(user=_verified(factories.UserFactory(email="volunteer@exemple.fr")))


@pytest.fixture
def coordinator_a(db, association_a):
    user = _verified(factories.UserFactory(email="coord-a@exemple.fr"))
    factories.MembershipFactory(user=user, association=association_a)
    return user


@pytest.fixture
def coordinator_b(db, association_b):
    user = _verified(factories.UserFactory(email="coord-b@exemple.fr"))
    factories.MembershipFactory(user=user, association=association_b)
    return user


@pytest.fixture
def admin_user(db):
    return _verified(factories.UserFactory(email="admin-test@exemple.fr", is_staff=True, is_superuser=True))


@pytest.fixture
def anonymous_client() -> Client:
    return Client()


@pytest.fixture
def volunteer_client(volunteer) -> Client:
    return _client_for(volunteer.user)


@pytest.fixture
def coordinator_a_client(coordinator_a) -> Client:
    return _client_for(coordinator_a)


@pytest.fixture
def coordinator_b_client(coordinator_b) -> Client:
    return _client_for(coordinator_b)


@pytest.fixture
def admin_client_(admin_user) -> Client:
    return _client_for(admin_user)


@pytest.fixture
def tasks_in_process():
    """Tasks sent during the test run at once in this process, as a worker would run them.

    Services send their tasks after commit (liens.celery.AfterCommitTask); a test that wants
    their effect runs the commit callbacks (django_capture_on_commit_callbacks(execute=True),
    or a transactional test) and the task then runs here instead of waiting in a broker that
    no worker reads. tests/worker.py runs a real worker where the wiring itself is tested.
    """
    from liens.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def push_service(settings):
    """A push service on loopback (tests/push_service.py), and the site's VAPID keys to sign for it."""
    public, private = vapid_pair()
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = public, private
    settings.VAPID_SUBJECT = "mailto:tests@liens.invalid"
    # Its endpoints are plain http on loopback; browsers' push services are https.
    settings.PUSH_ENDPOINT_SCHEMES = ("https", "http")
    service = FakePushService(public).start()
    yield service
    service.stop()
