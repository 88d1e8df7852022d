"""Periodic jobs of the core: thin wrappers over services."""

from celery import shared_task

from .services import heartbeat_record, notifications_purge_sent, sensitive_access_purge


@shared_task(name="liens.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that the worker and beat loop is alive. Idempotent."""
    heartbeat_record(name="celery")


@shared_task(name="liens.tasks.purge_access_log", ignore_result=True)
def purge_access_log() -> None:
    """Delete access-log rows past their retention period. Idempotent."""
    sensitive_access_purge()


@shared_task(name="liens.tasks.purge_sent_notifications", ignore_result=True)
def purge_sent_notifications() -> None:
    """Empty the text of finished outbox rows past their retention period. Idempotent."""
    notifications_purge_sent()
