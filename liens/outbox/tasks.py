"""Celery tasks of the outbox: thin wrappers over liens.outbox.dispatch."""

from celery import shared_task
from django.conf import settings

from .dispatch import dispatch_due, outbox_requeue_stuck


# acks_late is safe here: dispatch claims its rows, so a message redelivered after a worker
# crash only dispatches what is still due; nothing is sent twice because of it.
@shared_task(name="liens.outbox.dispatch", acks_late=True, ignore_result=True)
def dispatch_notifications(batch_size: int | None = None) -> dict:
    """Send due outbox rows for up to OUTBOX_DISPATCH_TIME_BUDGET seconds. Idempotent, concurrency-safe."""
    return dispatch_due(batch_size=batch_size, time_budget=settings.OUTBOX_DISPATCH_TIME_BUDGET).as_dict()


@shared_task(name="liens.outbox.requeue_stuck", acks_late=True, ignore_result=True)
def requeue_stuck_notifications() -> dict:
    """Re-queue rows left in "sending" by a dead dispatcher. Idempotent."""
    return outbox_requeue_stuck()
