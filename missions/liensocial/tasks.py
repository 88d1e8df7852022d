"""Periodic lien-social job: a thin wrapper over a plain function (also a management command)."""

from celery import shared_task

from .services import shortfalls_notify


@shared_task(name="missions.liensocial.shortfalls_notify", ignore_result=True)
def notify_shortfalls() -> int:
    """Tell home-care managers about plans behind schedule near the month's end. Idempotent
    (one message per plan, month and manager: dedup keys)."""
    return shortfalls_notify()
