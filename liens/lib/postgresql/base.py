"""Django's PostgreSQL backend, told how many parameters one statement may carry.

With the parameters bound on the server (settings.DATABASES: `server_side_binding`), a statement
carries at most 65,535 of them: the protocol counts them in 16 bits, and libpq refuses more
("number of parameters must be between 0 and 65535"). Django 5.2 knows such a bound for Oracle
and SQLite only, so on PostgreSQL an `in_bulk` of 70,000 ids, a delete whose cascade reads
70,000 rows (the collector asks for their dependents by id), a `bulk_update` of 4,000 rows over
eight columns, or a `bulk_create` of 4,200 rows with a value computed by the database (which
keeps Django from sending one array per column) failed. Told the bound as Oracle's backend is,
Django splits each into statements that fit: `bulk_create`, `bulk_update` and the deletion
collector ask `bulk_batch_size`, `in_bulk` asks `max_query_params`. With the parameters
interpolated by psycopg (binding turned off), there is no such bound and nothing changes.
"""

from __future__ import annotations

from django.db.backends.postgresql import base, features, operations
from django.utils.functional import cached_property

# The Bind message's parameter count is an unsigned 16-bit integer.
MAX_PARAMETERS = 2**16 - 1


class DatabaseFeatures(features.DatabaseFeatures):
    @cached_property
    def max_query_params(self) -> int | None:
        return MAX_PARAMETERS if self.uses_server_side_binding else None


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs) -> int:
        """As many rows as surely fit in one statement's parameters.

        Half what `len(fields)` a row would allow: `bulk_update` counts the primary key twice
        and each column once, but its CASE takes two parameters per row and column (WHEN id =
        %s THEN %s) and one more for the row's id in the WHERE. Batches of thousands of rows
        still, where a statement's own cost is small beside its rows'."""
        limit = self.connection.features.max_query_params
        if limit is None or not fields:
            return len(objs)
        return max(limit // (2 * len(fields)), 1)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    ops_class = DatabaseOperations
