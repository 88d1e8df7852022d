"""On PostgreSQL, a query a connection runs again and again is prepared once (settings.DATABASES)."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.db.models.functions import Now

from liens.lib.bulk import rows_copy
from liens.lib.postgresql import planned_each_time
from liens.lib.postgresql.base import MAX_PARAMETERS
from liens.models import Notification, NotificationAttempt, User
from tests.factories import UserFactory
from tests.queries import prepared_statements

pytestmark = pytest.mark.django_db


def test_a_query_run_again_and_again_is_prepared_by_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (set DATABASE_URL)")
    # Django leaves psycopg's preparing off unless prepare_threshold is named: binding the
    # parameters on the server alone prepares nothing.
    for attempt in range(6):
        User.objects.filter(email=f"nobody-{attempt}@example.org").exists()
    prepared = [sql for sql in prepared_statements() if '"liens_user"."email" =' in sql]
    assert len(prepared) == 1, prepared  # one statement for the six, its parameter bound apart
    assert "$1" in prepared[0]


@pytest.mark.parametrize("setting, expected", [("1", 5), ("0", None)])
def test_preparing_can_be_turned_off_for_a_pooler_that_cannot_keep_statements(setting, expected):
    # The settings read afresh in a process of their own, as a server behind such a pooler would.
    env = {**os.environ, "DATABASE_URL": "postgres://liens@db.example:5432/liens", "DB_PREPARED_STATEMENTS": setting}
    code = "import json, liens.settings as s; print(json.dumps(s.DATABASES['default']))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    database = json.loads(out.stdout.strip().splitlines()[-1])
    # Django's backend, told the bound on parameters that binding them on the server brings.
    assert database["ENGINE"] == "liens.lib.postgresql"
    options = database.get("OPTIONS", {})
    assert options.get("prepare_threshold") == expected
    assert options.get("server_side_binding", False) is (expected is not None)


def _binding_on_the_server() -> None:
    if connection.vendor != "postgresql" or not connection.features.uses_server_side_binding:
        pytest.skip("the bound is on parameters bound by PostgreSQL itself (set DATABASE_URL)")


def test_bulk_writes_with_more_parameters_than_one_statement_takes_are_split():
    _binding_on_the_server()
    user = UserFactory()
    # A value computed by the database keeps Django from sending the rows as one array per
    # column (UNNEST): 4,200 rows of 16 parameters each are 67,200, more than one statement takes.
    rows = [
        Notification(recipient=user, channel="email", kind="bulk", dedup_key=f"bulk:{n}", due_at=Now())
        for n in range(4_200)
    ]
    Notification.objects.bulk_create(rows)
    assert Notification.objects.filter(kind="bulk").count() == 4_200
    # An update of eight columns: a condition and a value per row and column, and the row's id.
    for row in rows:
        row.subject, row.body_text, row.body_html, row.language = "Rappel", "Demain", "<p>Demain</p>", "en"
        row.status, row.attempts, row.last_error, row.to_address = "cancelled", 1, "gone", "a@example.org"
    fields = ["subject", "body_text", "body_html", "language", "status", "attempts", "last_error", "to_address"]
    Notification.objects.bulk_update(rows, fields)
    assert Notification.objects.filter(kind="bulk", status="cancelled", attempts=1, language="en").count() == 4_200


def test_reading_more_ids_than_one_statement_takes_is_split():
    _binding_on_the_server()
    user = UserFactory()
    assert User.objects.in_bulk([*range(-70_000, 0), user.pk]) == {user.pk: user}


def test_a_delete_whose_cascade_reads_more_rows_than_one_statement_takes_is_split():
    _binding_on_the_server()
    user = UserFactory()
    count = MAX_PARAMETERS + 10
    rows_copy(
        Notification,
        ("recipient_id", "channel", "kind", "dedup_key"),
        ((user.pk, "sms", "bulk", f"bulk:{n}") for n in range(count)),
    )
    first = Notification.objects.filter(kind="bulk").order_by("pk").first()
    NotificationAttempt.objects.create(notification=first, number=1, outcome="failed")
    # The collector reads the notifications, then their attempts by the notifications' ids.
    deleted, by_model = Notification.objects.filter(kind="bulk").delete()
    assert by_model == {"liens.Notification": count, "liens.NotificationAttempt": 1}
    assert not Notification.objects.filter(kind="bulk").exists()


def test_queries_planned_each_time_are_never_prepared_and_the_connection_prepares_again_after():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (set DATABASE_URL)")
    with planned_each_time():
        for attempt in range(6):
            User.objects.filter(first_name=f"Nobody {attempt}").exists()
    assert not [sql for sql in prepared_statements() if '"liens_user"."first_name" =' in sql]
    for attempt in range(6):
        User.objects.filter(first_name=f"Nobody {attempt}").exists()
    assert len([sql for sql in prepared_statements() if '"liens_user"."first_name" =' in sql]) == 1
