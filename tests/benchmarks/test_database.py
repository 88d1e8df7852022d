"""Benchmarks run in a database of their own: the configured one is left exactly as it was."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from benchmarks.database import benchmark_database_name, own_database
from liens.models import Notification, User
from missions.models import Association, Beneficiary, IsolationAlert, Match, Mission
from tests import factories

pytestmark = pytest.mark.django_db


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in [User, Beneficiary, Notification, Association, Mission, Match, IsolationAlert]
    }


def _exists(name: str) -> bool:
    if connection.vendor == "sqlite":
        return Path(name).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.fixture
def some_rows(coordinator_a, volunteer):
    beneficiary = factories.BeneficiaryFactory(association=coordinator_a.memberships.get().association)
    factories.MissionFactory(beneficiary=beneficiary)
    Notification.objects.create(recipient=coordinator_a, channel="email", kind="test", subject="S", body_text="B")
    return _counts()


def test_the_matching_benchmark_leaves_the_configured_database_unchanged(some_rows):
    out = io.StringIO()
    call_command(
        "benchmark", "matching", "--volunteers", "600", "--missions", "80", "--batch-volunteers", "400",
        "--sample", "5", "--seed", "3", stdout=out,
    )  # fmt: skip
    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert figures["proposals_written"] > 0  # it did write: proposals, notifications, users...
    assert _counts() == some_rows  # ...elsewhere


def test_the_sweep_benchmark_leaves_the_configured_database_unchanged(some_rows):
    out = io.StringIO()
    call_command("benchmark", "sweep", "--beneficiaries", "40", "--due-fraction", "0.1", "--sample", "2",
                 "--repeat", "1", stdout=out)  # fmt: skip
    assert json.loads(out.getvalue().strip().splitlines()[-1])["alerts_raised"] == 4
    assert _counts() == some_rows


def test_the_benchmark_database_is_created_beside_the_configured_one_and_dropped_after(some_rows):
    configured = connection.settings_dict["NAME"]
    name = benchmark_database_name(connection.settings_dict, connection.vendor)
    assert name != configured and "_benchmark" in name
    with own_database() as own:
        assert connection.settings_dict["NAME"] == name == own.settings_dict["NAME"]
        assert not User.objects.exists()  # a fresh database, migrated
        factories.UserFactory()
    assert connection.settings_dict["NAME"] == configured
    assert _counts() == some_rows
    assert not _exists(name)
