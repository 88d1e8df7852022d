"""A database of the benchmark's own, created and dropped as the test runner does.

The benchmarks build hundreds of thousands of rows, race dispatchers over the whole outbox and
write proposals that notify coordinators: on the configured database they would leave data
behind, or message people who do not exist. So each run creates `<configured name>_benchmark`
(dropping a leftover one first), migrates it, points the default connection at it for the
duration, and drops it at the end. The configured database is never connected to meanwhile: the
default connection is replaced, not renamed, so a connection already open on the configured
database (in a test, inside its transaction) stays as it was.
"""

from __future__ import annotations

import copy
import gc
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend

SUFFIX = "_benchmark"


def benchmark_database_name(settings_dict: dict, vendor: str) -> str:
    """`<configured name>_benchmark`; for SQLite a file beside the configured one."""
    name = str(settings_dict["NAME"])
    if vendor != "sqlite":
        return f"{name}{SUFFIX}"
    if name == ":memory:" or name.startswith("file:"):  # an in-memory database (as in tests)
        return str(Path(tempfile.gettempdir()) / f"liens{SUFFIX}.sqlite3")
    path = Path(name)
    return str(path.with_name(f"{path.stem}{SUFFIX}{path.suffix}"))


@contextmanager
def own_database(*, alias: str = DEFAULT_DB_ALIAS, verbosity: int = 0):
    """Run the block against a fresh, migrated database of its own; drop it afterwards.

    Everything in the block that uses `alias` (the ORM, `django.db.connection`, processes
    forked from it) works on the new database; the figures a benchmark prints are the same.
    """
    configured = connections[alias]
    configured_name = settings.DATABASES[alias]["NAME"]
    settings_dict = copy.deepcopy(configured.settings_dict)
    name = benchmark_database_name(settings_dict, configured.vendor)
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": name, "MIGRATE": True}
    own = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    connections[alias] = own
    ContentType.objects.clear_cache()  # content type ids differ from one database to another
    try:
        own.creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False, keepdb=False)
        # Migrating leaves tens of thousands of dead objects in cycles (the migration states);
        # collected now, they do not slow the measured phases' garbage collections.
        gc.collect()
        try:
            yield own
        finally:
            own.creation.destroy_test_db(configured_name, verbosity=verbosity, keepdb=False)
    finally:
        own.close()
        connections[alias] = configured
        # create_test_db names the new database in settings.DATABASES too: put it back.
        settings.DATABASES[alias]["NAME"] = configured_name
        configured.settings_dict["NAME"] = configured_name
        ContentType.objects.clear_cache()
