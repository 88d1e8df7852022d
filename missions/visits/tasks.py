"""Celery tasks for visits: thin wrappers, each over a plain function that is also a management command."""

from celery import shared_task

from liens.celery import AfterCommitTask

from . import digest, reminders, services


@shared_task(name="missions.visits.materialise_all", ignore_result=True)
def materialise_all() -> int:
    """Nightly: create the coming weeks' visits of every active match. Idempotent."""
    return services.visits_materialise_all()


@shared_task(name="missions.visits.materialise_match", base=AfterCommitTask, ignore_result=True)
def materialise_match(match_id: int) -> int:
    """One match's visits, sent when it is activated. Idempotent; a vanished match is a no-op."""
    return services.match_visits_materialise(match_id=match_id)


@shared_task(name="missions.visits.plan_reminders_all", ignore_result=True)
def plan_reminders_all() -> int:
    """Nightly: re-plan reminders of upcoming visits. Idempotent (dedup keys)."""
    return reminders.reminders_plan_upcoming()


@shared_task(name="missions.visits.chase_reports", ignore_result=True)
def chase_reports() -> int:
    """Hourly: visits long without report become unconfirmed; staff are told. Idempotent."""
    return services.reports_chase()


@shared_task(name="missions.visits.send_digests", ignore_result=True)
def send_digests() -> int:
    """Daily: coordinators' digests, none when there is nothing to say. Idempotent per day."""
    return digest.digests_send_all()
