"""Retention tasks: thin, each calls one function of missions.privacy.retention."""

from celery import shared_task

from . import retention


@shared_task(name="missions.privacy.anonymise_ended", ignore_result=True)
def anonymise_ended() -> None:
    """Erase people no longer followed past the retention period. Idempotent."""
    retention.beneficiaries_anonymise_ended()


@shared_task(name="missions.privacy.purge_import_files", ignore_result=True)
def purge_import_files() -> None:
    """Delete import files past the retention period. Idempotent."""
    retention.import_files_purge()
