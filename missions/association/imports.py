"""Writes about bulk imports: a CSV of beneficiaries checked, confirmed, then run in the background."""

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import translation
from django.utils.translation import gettext as _

from liens.errors import DomainError
from missions.models import Association, ImportedRow, ImportJob
from missions.permissions import staff_check

from . import importing
from .beneficiaries import beneficiaries_create_many

logger = logging.getLogger(__name__)


def import_file_content(upload) -> bytes:
    """An uploaded import file's bytes; refused by its size before it is read into memory."""
    if upload.size is not None and upload.size > settings.LIENS_IMPORT_MAX_BYTES:
        raise _file_too_large()
    return upload.read(settings.LIENS_IMPORT_MAX_BYTES + 1)


def _file_too_large() -> DomainError:
    return DomainError(
        _("This file is too large (at most %(mb)s MB).") % {"mb": settings.LIENS_IMPORT_MAX_BYTES // (1024 * 1024)},
        field="file",
    )


def import_job_create(*, association: Association, by, filename: str, content: bytes) -> ImportJob:
    """Store an uploaded CSV/XLSX file as an import job, counting its rows. Nothing imported yet."""
    staff_check(by, association.pk)
    if len(content) > settings.LIENS_IMPORT_MAX_BYTES:
        raise _file_too_large()
    try:
        with importing.open_table(filename=filename, content=content, max_rows=settings.LIENS_IMPORT_MAX_ROWS) as (
            header,
            rows,
        ):
            missing = importing.header_problems(header)
            if missing:
                raise DomainError(
                    _("Missing columns: %(columns)s. Start from the template.") % {"columns": ", ".join(missing)},
                    field="file",
                )
            total = sum(1 for _row in rows)
    except importing.UnreadableFile as exc:
        raise DomainError(str(exc), field="file") from exc
    if not total:
        raise DomainError(_("This file has no rows under its header line."), field="file")
    return ImportJob.objects.create(
        association=association,
        created_by=by,
        filename=filename[:200],
        content=content,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        total_rows=total,
    )


# Rows checked or written between two updates of the progress bar, and written per bulk insert.
CHUNK_ROWS = 2000


def import_job_check(*, job_id: int) -> ImportJob:
    """Check every row of a job and store the rows and the report; imports nothing.

    The file is read, checked and stored a row at a time (see _checked_rows_store): only the
    keys that find duplicates and the report grow with the rows, never the rows themselves, so
    a sheet of LIENS_IMPORT_MAX_ROWS rows is checked in the memory of a few thousand. Idempotent:
    a job already checked is returned as is. Two runs at once compute the same report from the
    same stored file, and only a job still being checked is written.
    """
    job = ImportJob.objects.defer("rows").select_related("association").get(pk=job_id)
    if job.status != ImportJob.Status.VALIDATING:
        return job

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.VALIDATING).update(processed_rows=done)

    with translation.override(job.language):
        try:
            with importing.open_table(
                filename=job.filename, content=bytes(job.content), max_rows=settings.LIENS_IMPORT_MAX_ROWS
            ) as (header, raw_rows):
                checked = importing.check_rows(association=job.association, header=header, rows=raw_rows)
                _checked_rows_store(job_id=job_id, checked=checked, progress=progress)
        except importing.UnreadableFile as exc:
            _import_job_fail(job_id, str(exc))
        except Exception:
            # Whatever went wrong, the job must not stay "checking" for ever: it ends failed, with
            # words for the coordinator, and the error goes to the log for us.
            logger.exception("import %s: checking failed", job_id)
            _import_job_fail(job_id, _("This file could not be checked. Nothing was imported."))
    return ImportJob.objects.defer("content", "rows").get(pk=job_id)


# The checked rows wait in a temporary table (this connection's own, dropped at the end) and
# are gathered into the job's JSON by the database, in line order. The job's `rows` stay one
# JSON array, as the erasure and retention jobs read them, without the worker ever holding
# them all as Python objects.
# Names are ours, values are parameters: no SQL is built from what a file holds.
_CHECKED_CREATE = "CREATE TEMPORARY TABLE import_checked_rows (line integer NOT NULL, row text NOT NULL)"
_CHECKED_DROP = "DROP TABLE IF EXISTS import_checked_rows"
_CHECKED_INSERT = "INSERT INTO import_checked_rows (line, row) VALUES (%s, %s)"
_GATHER = {
    "postgresql": "(SELECT coalesce(jsonb_agg(row::jsonb ORDER BY line), '[]'::jsonb) FROM import_checked_rows)",
    # SQLite keeps the text as written: json.dumps' ", " and ": " are what erasure searches for.
    "sqlite": "(SELECT '[' || coalesce(group_concat(row, ', '), '') || ']'"
    " FROM (SELECT row FROM import_checked_rows ORDER BY line))",
}


def _checked_rows_store(*, job_id: int, checked, progress) -> None:
    """Store (row, problems) pairs as they come on a job being checked, and mark it checked."""
    report: list[dict] = []
    done = valid = 0
    with connection.cursor() as cursor:
        cursor.execute(_CHECKED_DROP)
        cursor.execute(_CHECKED_CREATE)
        try:
            batch = []
            for row, problems in checked:
                batch.append((row["line"], json.dumps(row)))
                report += problems
                valid += row["valid"]
                done += 1
                if len(batch) == CHUNK_ROWS:
                    cursor.executemany(_CHECKED_INSERT, batch)
                    batch = []
                    progress(done)
            if batch:
                cursor.executemany(_CHECKED_INSERT, batch)
            ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.VALIDATING).update(
                rows=RawSQL(_GATHER[connection.vendor], []),  # noqa: S611 (our SQL, no parameter)
                report=report,
                status=ImportJob.Status.VALIDATED,
                total_rows=done,
                processed_rows=done,
                valid_count=valid,
                invalid_count=done - valid,
            )
        finally:
            cursor.execute(_CHECKED_DROP)


def _import_job_fail(job_id: int, error: str, report: list | None = None) -> None:
    changes = {"status": ImportJob.Status.FAILED, "error": error}
    if report is not None:
        changes["report"] = report
    ImportJob.objects.filter(pk=job_id).update(**changes)


def import_job_confirm(*, job: ImportJob, by, valid_only: bool = False) -> ImportJob:
    """Accept a checked job for import: all rows when all are valid, or the valid rows only when
    the coordinator chooses so. Idempotent once accepted."""
    staff_check(by, job.association_id)
    with transaction.atomic():
        job = ImportJob.objects.defer("content", "rows").select_for_update().get(pk=job.pk)
        if job.status in (ImportJob.Status.IMPORTING, ImportJob.Status.DONE):
            return job
        if job.status != ImportJob.Status.VALIDATED:
            raise DomainError(_("This file is still being checked."))
        if job.invalid_count and not valid_only:
            raise DomainError(
                _(
                    "Some rows have errors: correct the file and upload it again, "
                    "or choose to import the valid rows only."
                )
            )
        if not job.valid_count:
            raise DomainError(_("No row is valid: nothing to import."))
        job.status = ImportJob.Status.IMPORTING
        job.valid_only = valid_only
        job.processed_rows = 0
        job.total_rows = job.valid_count
        job.save(update_fields=["status", "valid_only", "processed_rows", "total_rows"])
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Write the accepted rows of a job as beneficiaries in intake: all of them, or none.

    One transaction from start to end, under a lock on the job (_import_lock): a second run at
    once (a task delivered twice) waits for the first, then finds the job done. Rows are read
    from the job and written CHUNK_ROWS at a time, through the same service as one person
    (beneficiaries_create_many), and the progress bar moves after each chunk. Any row refused
    on the way (the data changed since the check) or any error rolls every row back, and the
    job ends failed with its report; nothing is ever half-imported. Idempotent: a line already
    written (its ImportedRow) is skipped.
    """
    failures: list[dict] = []
    with transaction.atomic():
        _import_lock(job_id)
        job = ImportJob.objects.defer("content", "rows").select_related("association", "created_by").get(pk=job_id)
        if job.status != ImportJob.Status.IMPORTING:
            return job
        done_lines = set(job.imported_rows.values_list("line", flat=True))
        done = 0
        try:
            with transaction.atomic(), translation.override(job.language), _progress_bar(job) as progress:
                for chunk in _valid_rows(job_id):
                    todo = [row for row in chunk if row["line"] not in done_lines]
                    created = beneficiaries_create_many(
                        association=job.association,
                        by=job.created_by,
                        people=[importing.to_service_fields(row["data"]) for row in todo],
                    )
                    failures += [
                        {"line": row["line"], "field": result.field or "", "message": str(result.message)}
                        for row, result in zip(todo, created, strict=True)
                        if isinstance(result, DomainError)
                    ]
                    ImportedRow.objects.bulk_create(
                        ImportedRow(job=job, line=row["line"], beneficiary=result)
                        for row, result in zip(todo, created, strict=True)
                        if not isinstance(result, DomainError)
                    )
                    done += len(chunk)
                    progress(done)
                if failures:
                    raise _ImportRefused
        except _ImportRefused:
            with translation.override(job.language):
                error = _("Nothing was imported: some rows were refused. Correct them and upload the file again.")
            _import_job_fail(job_id, error, report=job.report + failures)
            return ImportJob.objects.defer("content", "rows").get(pk=job_id)
        except Exception:
            logger.exception("import %s: writing failed", job_id)
            with translation.override(job.language):
                error = _("This file could not be imported. Nothing was imported.")
            _import_job_fail(job_id, error)
            return ImportJob.objects.defer("content", "rows").get(pk=job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.DONE,
            processed_rows=done,
            imported_count=job.imported_rows.count(),
        )
    return ImportJob.objects.defer("content", "rows").get(pk=job_id)


class _ImportRefused(Exception):
    """Rolls back an import's rows when one of them is refused."""


# Namespace of the transaction-level advisory locks taken on import jobs (with the job's id).
_IMPORT_LOCK = 1_952_019


def _import_lock(job_id: int) -> None:
    """Hold the job's import to this transaction: a second run waits here until it ends.

    An advisory lock rather than the job row's: the row stays free for the progress bar, which
    is written from another connection while the import's transaction is open. SQLite runs one
    writer at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_IMPORT_LOCK, job_id])


_ELEMENTS = {
    "postgresql": "SELECT e.value::text FROM {table} j CROSS JOIN LATERAL jsonb_array_elements(j.rows) e"
    " WHERE j.id = %s",
    "sqlite": "SELECT e.value FROM {table} j, json_each(j.rows) e WHERE j.id = %s ORDER BY e.key",
}


def _valid_rows(job_id: int) -> Iterator[list[dict]]:
    """The job's valid checked rows, CHUNK_ROWS at a time, read from the database as they go
    (a server-side cursor on PostgreSQL): never the whole JSON array at once."""
    sql = _ELEMENTS[connection.vendor].format(table=ImportJob._meta.db_table)
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [job_id])
        while records := cursor.fetchmany(CHUNK_ROWS):
            rows = [row for row in map(json.loads, (record[0] for record in records)) if row.get("valid")]
            if rows:
                yield rows


@contextmanager
def _progress_bar(job: ImportJob) -> Iterator[Callable[[int], None]]:
    """A function writing how many rows are done to the job, seen at once by the page polling it.

    The import's own transaction would show its writes only at the end: the count goes through a
    connection of its own, committed at each call. Only PostgreSQL (SQLite would wait on the
    import's write lock) and only when there is more than one chunk (no connection for a small file).
    """
    side = None

    def progress(done: int) -> None:
        nonlocal side
        if connection.vendor != "postgresql" or done >= job.total_rows:
            return
        if side is None:
            side = connection.copy()
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET processed_rows = %s"  # noqa: S608 (the model's table name)
                " WHERE id = %s AND status = %s",
                [done, job.pk, ImportJob.Status.IMPORTING],
            )

    try:
        yield progress
    finally:
        if side is not None:
            side.close()
