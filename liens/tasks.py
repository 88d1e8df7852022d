"""Periodic jobs of the core: thin wrappers over services."""

from celery import shared_task

from .services import heartbeat_record


@shared_task(name="liens.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that the worker and beat loop is alive. Idempotent."""
    heartbeat_record(name="celery")
