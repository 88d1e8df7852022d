"""Writes about bulk imports: a CSV of beneficiaries checked, confirmed, then run in the background."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from liens.errors import DomainError
from missions.models import Association, ImportedRow, ImportJob
from missions.permissions import staff_check

from . import importing
from .beneficiaries import beneficiary_create

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
        header, rows = importing.read_table(filename=filename, content=content, max_rows=settings.LIENS_IMPORT_MAX_ROWS)
    except importing.UnreadableFile as exc:
        raise DomainError(str(exc), field="file") from exc
    missing = importing.header_problems(header)
    if missing:
        raise DomainError(
            _("Missing columns: %(columns)s. Start from the template.") % {"columns": ", ".join(missing)}, field="file"
        )
    if not rows:
        raise DomainError(_("This file has no rows under its header line."), field="file")
    return ImportJob.objects.create(
        association=association,
        created_by=by,
        filename=filename[:200],
        content=content,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        total_rows=len(rows),
    )


PROGRESS_EVERY = 25


def import_job_check(*, job_id: int) -> ImportJob:
    """Check every row of a job and store the report; imports nothing.

    Idempotent: a job already checked is returned as is. Two runs at once compute the same
    report from the same stored file, and only a job still being checked is written.
    """
    job = ImportJob.objects.select_related("association").get(pk=job_id)
    if job.status != ImportJob.Status.VALIDATING:
        return job

    def progress(done: int) -> None:
        if done % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.VALIDATING).update(processed_rows=done)

    with translation.override(job.language):
        try:
            header, raw_rows = importing.read_table(
                filename=job.filename, content=bytes(job.content), max_rows=settings.LIENS_IMPORT_MAX_ROWS
            )
            checked, report = importing.check_rows(
                association=job.association, header=header, rows=raw_rows, progress=progress
            )
            ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.VALIDATING).update(
                rows=checked,
                report=report,
                status=ImportJob.Status.VALIDATED,
                total_rows=len(checked),
                processed_rows=len(checked),
            )
        except importing.UnreadableFile as exc:
            _import_job_fail(job_id, str(exc))
        except Exception:
            # Whatever went wrong, the job must not stay "checking" for ever: it ends failed, with
            # words for the coordinator, and the error goes to the log for us.
            logger.exception("import %s: checking failed", job_id)
            _import_job_fail(job_id, _("This file could not be checked. Nothing was imported."))
    return ImportJob.objects.get(pk=job_id)


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
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
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

    One transaction holds the job's row lock from start to end: a second run at once (a task
    delivered twice) waits for the first, then finds the job done. Any row refused on the way
    (the data changed since the check) or any error rolls every row back, and the job ends
    failed with its report; nothing is ever half-imported. Idempotent: a line already written
    (its ImportedRow) is skipped.
    """
    failures: list[dict] = []
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",)).select_related("association", "created_by").get(pk=job_id)
        )
        if job.status != ImportJob.Status.IMPORTING:
            return job
        done_lines = set(job.imported_rows.values_list("line", flat=True))
        valid_rows = [row for row in job.rows if row.get("valid")]
        try:
            with transaction.atomic(), translation.override(job.language):
                for row in valid_rows:
                    if row["line"] in done_lines:
                        continue
                    fields, contacts = importing.to_service_fields(row["data"])
                    try:
                        beneficiary = beneficiary_create(
                            association=job.association, by=job.created_by, key_contacts=contacts, **fields
                        )
                    except DomainError as exc:
                        failures.append({"line": row["line"], "field": exc.field or "", "message": str(exc.message)})
                        continue
                    ImportedRow.objects.create(job=job, line=row["line"], beneficiary=beneficiary)
                if failures:
                    raise _ImportRefused
        except _ImportRefused:
            with translation.override(job.language):
                error = _("Nothing was imported: some rows were refused. Correct them and upload the file again.")
            _import_job_fail(job_id, error, report=job.report + failures)
            return ImportJob.objects.get(pk=job_id)
        except Exception:
            logger.exception("import %s: writing failed", job_id)
            with translation.override(job.language):
                error = _("This file could not be imported. Nothing was imported.")
            _import_job_fail(job_id, error)
            return ImportJob.objects.get(pk=job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.DONE,
            processed_rows=len(valid_rows),
            imported_count=job.imported_rows.count(),
        )
    return ImportJob.objects.get(pk=job_id)


class _ImportRefused(Exception):
    """Rolls back an import's rows when one of them is refused."""
