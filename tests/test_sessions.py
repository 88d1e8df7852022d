"""Sessions read from the cache, written through to the database (liens.sessions): a session
ends at its end on the application's clock, and the database stays the record."""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liens.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _saved(**expiry) -> str:
    store = SessionStore()
    store["note"] = "kept"
    store.set_expiry(datetime.timedelta(**expiry))
    store.save()
    return store.session_key


def test_a_session_is_read_from_the_cache_until_its_end_then_not_at_all():
    key = _saved(hours=1)
    assert SessionStore(key).load()["note"] == "kept"
    # The cache still holds it (its own clock has not moved), but the session has ended.
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, minutes=1)):
        ended = SessionStore(key)
        assert ended.load() == {}
        assert ended.session_key is None  # a new session, under a new key, if one is saved


def test_without_the_cache_the_database_answers_and_fills_it_again():
    key = _saved(days=1)
    cache.clear()
    assert SessionStore(key).load()["note"] == "kept"
    with CaptureQueriesContext(connection) as queries:
        assert SessionStore(key).load()["note"] == "kept"
    assert len(queries) == 0


def test_a_signed_out_session_is_gone_from_the_cache_and_the_database(volunteer, settings):
    settings.SESSION_ENGINE = "liens.sessions"
    client = Client()
    client.force_login(volunteer.user)
    key = client.session.session_key
    assert client.get(reverse("volunteers:home")).status_code == 200
    client.post(reverse("account_logout"))
    assert SessionStore(key).load() == {}
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("volunteers:home")).status_code == 302


def test_a_signed_in_page_does_not_query_the_database_for_its_session(volunteer, settings):
    settings.SESSION_ENGINE = "liens.sessions"
    client = Client()
    client.force_login(volunteer.user)
    client.get(reverse("volunteers:home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("volunteers:home")).status_code == 200
    assert not [query for query in queries if "django_session" in query["sql"]]
