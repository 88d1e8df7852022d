"""Query counts that depend on how the site runs, for the tests that pin a page's queries."""

from django.conf import settings
from django.db import connection

# A signed-in request reads its session from Redis when REDIS_URL is set (liens.sessions, as in
# CI and production), from the database otherwise (the embedded default): one query more.
SESSION = 0 if settings.REDIS_URL else 1


def prepared_statements() -> list[str]:
    """The SQL of the statements PostgreSQL keeps prepared for this connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]
