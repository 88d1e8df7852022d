"""Periodic jobs of the matching engine: thin wrappers over services (also run by
`manage.py propose_matches`)."""

from celery import shared_task

from missions.models import Association

from . import batch, services


@shared_task(name="missions.matching.propose_all", ignore_result=True)
def propose_all() -> int:
    """Nightly batch proposals, territory by territory. Idempotent: a second run only fills
    places still open, and runs on the same territory wait for each other (mission locks)."""
    return sum(services.proposals_batch(territory=t).proposed for t in batch.territories_with_open_missions())


@shared_task(name="missions.matching.propose_for_association", ignore_result=True)
def propose_for_association(association_id: int) -> int:
    """Batch proposals for one association. Idempotent, like propose_all."""
    association = Association.objects.filter(pk=association_id).first()
    if association is None:
        return 0
    return services.proposals_batch(association=association).proposed


@shared_task(name="missions.matching.expire_proposals", ignore_result=True)
def expire_proposals() -> int:
    """Expire unanswered proposals and close stand-ins whose period is over. Idempotent
    (conditional updates only)."""
    return services.proposals_expire() + services.covers_close()
