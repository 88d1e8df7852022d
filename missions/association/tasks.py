"""Celery tasks of the association side: thin, they load by id and call one service."""

from celery import shared_task
from django.conf import settings

from liens.celery import AfterCommitTask
from missions.models import ImportJob

from . import beneficiaries, imports


@shared_task(name="missions.association.import_check", base=AfterCommitTask, ignore_result=True, acks_late=True)
def import_check(job_id: int) -> None:
    """Check an uploaded file row by row. Idempotent: a checked job is left as is."""
    imports.import_job_check(job_id=job_id)


@shared_task(name="missions.association.import_run", base=AfterCommitTask, ignore_result=True, acks_late=True)
def import_run(job_id: int) -> None:
    """Write an accepted job's rows, all or none. Idempotent: a second run finds the job done."""
    imports.import_job_run(job_id=job_id)


@shared_task(name="missions.association.beneficiaries_resume_due", ignore_result=True)
def beneficiaries_resume_due() -> None:
    """Resume the pauses whose end date has passed. Idempotent."""
    beneficiaries.beneficiaries_resume_due()


def _small(job: ImportJob) -> bool:
    return job.total_rows <= settings.LIENS_IMPORT_SYNC_ROWS


def import_check_start(*, job: ImportJob) -> None:
    """Check a small file now, in the request; a large one in the background, after commit."""
    if _small(job):
        imports.import_job_check(job_id=job.pk)
    else:
        import_check.delay(job.pk)  # after commit (AfterCommitTask)


def import_run_start(*, job: ImportJob) -> None:
    """Import a small file now, in the request; a large one in the background, after commit."""
    if _small(job):
        imports.import_job_run(job_id=job.pk)
    else:
        import_run.delay(job.pk)  # after commit (AfterCommitTask)
