"""Periodic alert jobs: thin wrappers over plain functions that are also management commands."""

from celery import shared_task

from .services import alerts_escalate
from .sweep import isolation_sweep


@shared_task(name="missions.alerts.tasks.sweep_isolation", ignore_result=True)
def sweep_isolation() -> dict:
    """Run the isolation sweep (raise / raise severity of no-contact alerts). Idempotent and
    safe to run concurrently."""
    return isolation_sweep().as_dict()


@shared_task(name="missions.alerts.tasks.escalate_alerts", ignore_result=True)
def escalate_alerts() -> int:
    """Escalate unacknowledged alerts past their delay. Idempotent: a second run sends nothing."""
    return alerts_escalate()
