"""Periodic jobs of the matching engine: thin wrappers over services (also run by
`manage.py propose_matches`).

An association's own batch (the "Propose volunteers for every open mission" button and
POST /api/matching/batch/) runs in the request on purpose: the coordinator reads on the next
page how many proposals were written (the API returns the figures), one association's missions
are solved in well under a second, and the nightly job covers every territory.
"""

from celery import shared_task

from . import batch, life, services


@shared_task(name="missions.matching.propose_all", ignore_result=True)
def propose_all() -> int:
    """Nightly batch proposals, territory by territory. Idempotent: a second run only fills
    places still open, and runs on the same territory wait for each other (mission locks)."""
    return sum(services.proposals_batch(territory=t).proposed for t in batch.territories_with_open_missions())


@shared_task(name="missions.matching.expire_proposals", ignore_result=True)
def expire_proposals() -> int:
    """Expire unanswered proposals and close stand-ins whose period is over. Idempotent
    (conditional updates only)."""
    return services.proposals_expire() + life.covers_close()
