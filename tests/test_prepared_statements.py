"""On PostgreSQL, a query a connection runs again and again is prepared once (settings.DATABASES)."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from liens.models import User

pytestmark = pytest.mark.django_db


def _prepared_on_this_connection() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_query_run_again_and_again_is_prepared_by_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (set DATABASE_URL)")
    # Django leaves psycopg's preparing off unless prepare_threshold is named: binding the
    # parameters on the server alone prepares nothing.
    for attempt in range(6):
        User.objects.filter(email=f"nobody-{attempt}@example.org").exists()
    prepared = [sql for sql in _prepared_on_this_connection() if '"liens_user"."email" =' in sql]
    assert len(prepared) == 1, prepared  # one statement for the six, its parameter bound apart
    assert "$1" in prepared[0]


@pytest.mark.parametrize("setting, expected", [("1", 5), ("0", None)])
def test_preparing_can_be_turned_off_for_a_pooler_that_cannot_keep_statements(setting, expected):
    # The settings read afresh in a process of their own, as a server behind such a pooler would.
    env = {**os.environ, "DATABASE_URL": "postgres://liens@db.example:5432/liens", "DB_PREPARED_STATEMENTS": setting}
    code = "import json, liens.settings as s; print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    options = json.loads(out.stdout.strip().splitlines()[-1])
    assert options.get("prepare_threshold") == expected
    assert options.get("server_side_binding", False) is (expected is not None)
