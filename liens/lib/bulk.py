"""Writing many rows at once: COPY on PostgreSQL, bulk_create elsewhere.

bulk_create builds a model instance per row and quotes every value in Python, a few hundred
microseconds a row with JSON: for the nightly batch's tens of thousands of proposals, and the
benchmarks' million volunteers, longer than everything else they do. Like bulk_create, it
calls no save() and sends no signal; the database's constraints still hold every row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection
from django.db.models import AutoField, BigAutoField, JSONField, Model, SmallAutoField
from django.utils import timezone

CHUNK = 5000


def rows_copy(model: type[Model], columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """Insert `rows` (tuples of `columns`, attnames, streamed); every other column takes its
    model default, computed once (the current time for auto_now fields, as bulk_create), and
    an automatic primary key not given is left to the database. Returns how many rows were
    written."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    automatic = (AutoField, BigAutoField, SmallAutoField)
    rest = [f for f in fields.values() if f.attname not in columns and not (f.primary_key and isinstance(f, automatic))]
    written = 0
    if connection.vendor != "postgresql":
        pending = []
        for row in rows:
            pending.append(model(**dict(zip(columns, row, strict=True))))
            if len(pending) == CHUNK:
                written += len(model._base_manager.bulk_create(pending))
                pending = []
        return written + len(model._base_manager.bulk_create(pending))
    prototype, now = model(), timezone.now()
    constants = []
    for f in rest:
        stamped = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        value = now if stamped else getattr(prototype, f.attname)
        constants.append(json.dumps(value) if isinstance(f, JSONField) else value)
    constants = tuple(constants)
    as_json = [i for i, name in enumerate(columns) if isinstance(fields[name], JSONField)]
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in [*(fields[c] for c in columns), *rest])
    sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            if as_json:
                row = list(row)
                for i in as_json:
                    row[i] = json.dumps(row[i])
            copy.write_row((*row, *constants))
            written += 1
    return written
