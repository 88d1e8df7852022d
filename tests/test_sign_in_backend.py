"""The sign-in backends (liens.accounts.backends): Django's and allauth's, whose get_user reads the
signed-in account with what every page then asks of it, in one query."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liens.accounts.backends import REPLACED_PATHS, AuthenticationBackend, ModelBackend
from liens.accounts.policy import forget_memberships, remember_for_request, remembered_association, staff_memberships
from liens.sessions import SessionStore

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_get_user_reads_the_account_as_the_orm_does_with_its_roles(backend, coordinator_a, association_a):
    with CaptureQueriesContext(connection) as queries:
        user = backend().get_user(coordinator_a.pk)
    assert len(queries) == 1
    fresh = type(coordinator_a).objects.get(pk=coordinator_a.pk)
    assert model_to_dict(user) == model_to_dict(fresh) and user.password == fresh.password
    assert user._state.db == "default" and user._state.adding is False
    assert user.get_session_auth_hash() == fresh.get_session_auth_hash()
    # What the middleware then asks of it is already read, once.
    with CaptureQueriesContext(connection) as queries:
        remember_for_request(user)
        assert remembered_association(user, association_a.pk).pk == association_a.pk
        assert (association_a.pk, "coordinator") in staff_memberships(user)
    assert len(queries) == 0
    forget_memberships(user)
    with CaptureQueriesContext(connection) as queries:
        remember_for_request(user)  # a later call reads afresh: a membership may have changed
    assert len(queries) == 1


def test_get_user_refuses_an_inactive_or_missing_account(volunteer):
    volunteer.user.is_active = False
    volunteer.user.save(update_fields=["is_active"])
    assert ModelBackend().get_user(volunteer.user.pk) is None
    assert ModelBackend().get_user(volunteer.user.pk + 1000) is None
    assert ModelBackend().get_user("not a number") is None


def test_get_user_takes_the_id_as_the_session_keeps_it(volunteer):
    assert ModelBackend().get_user(str(volunteer.user.pk)).pk == volunteer.user.pk


def test_a_password_change_still_ends_the_other_sessions(volunteer):
    client = Client()
    client.force_login(volunteer.user)
    assert client.get(reverse("volunteers:home")).status_code == 200
    volunteer.user.set_password("a-new-long-passphrase-42")
    volunteer.user.save()
    assert client.get(reverse("volunteers:home")).status_code == 302


@pytest.mark.parametrize("old_path", sorted(REPLACED_PATHS))
def test_a_session_signed_in_before_the_backends_changed_stays_signed_in(old_path, volunteer, settings):
    settings.SESSION_ENGINE = "liens.sessions"
    client = Client()
    client.force_login(volunteer.user)
    key = client.session.session_key
    # As such a session was saved: the path of Django's or allauth's own backend.
    store = SessionStore(key)
    store[BACKEND_SESSION_KEY] = old_path
    store.save()
    assert Session.objects.get(session_key=key).get_decoded()[BACKEND_SESSION_KEY] == old_path
    response = client.get(reverse("volunteers:home"))
    assert response.status_code == 200 and response.context["user"].pk == volunteer.user.pk
    # Read from the database too (the cache emptied), and written back under the new path.
    cache.clear()
    store = SessionStore(key)
    assert store[SESSION_KEY] == str(volunteer.user.pk) and store[BACKEND_SESSION_KEY] == REPLACED_PATHS[old_path]
    store.save()
    assert Session.objects.get(session_key=key).get_decoded()[BACKEND_SESSION_KEY] == REPLACED_PATHS[old_path]


def test_a_session_naming_an_unknown_backend_is_signed_out(volunteer, settings):
    settings.SESSION_ENGINE = "liens.sessions"
    client = Client()
    client.force_login(volunteer.user)
    store = SessionStore(client.session.session_key)
    store[BACKEND_SESSION_KEY] = "somewhere.else.Backend"
    store.save()
    assert client.get(reverse("volunteers:home")).status_code == 302


def test_a_signed_in_request_keeps_the_account_itself_and_a_sign_out_still_ends_it(volunteer):
    """The page's reads of request.user reach the account, not Django's lazy wrapper around it
    (liens.accounts.middleware); signing out in the view still leaves the request anonymous."""
    client = Client()
    client.force_login(volunteer.user)
    request = client.get(reverse("volunteers:home")).wsgi_request
    assert type(request.user) is type(volunteer.user) and request.user.pk == volunteer.user.pk
    request = client.post(reverse("account_logout")).wsgi_request
    assert not request.user.is_authenticated
    assert client.get(reverse("volunteers:home")).status_code == 302
