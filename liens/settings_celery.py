"""What the Celery workers load, which queue each task goes to, and what beat runs when: the
task modules, the routes and the periodic schedule, each reviewed as a whole in one place.
liens/settings.py imports these names; the broker and the worker's limits stay there, beside
the other settings read from the environment.
"""

from copy import deepcopy
from datetime import timedelta

from celery.schedules import crontab

# Every module that defines tasks, listed once (autodiscovery only finds <app>.tasks, and a
# worker must know every task beat or a request may send it, whatever else it has imported).
# tests/test_celery.py checks that this list names every tasks module of the project.
CELERY_IMPORTS = [
    "liens.tasks",
    "liens.outbox.tasks",
    "missions.alerts.tasks",
    "missions.association.tasks",
    "missions.liensocial.tasks",
    "missions.matching.tasks",
    "missions.privacy.tasks",
    "missions.visits.tasks",
]

# The queues, by how long their work may wait. A worker serves one or more of them
# (`celery -A liens worker -Q urgent,default`); compose.yaml and deploy/ run one worker per
# queue, so an import of thousands of rows or the nightly batch proposals never hold up a
# reminder or an isolation alert, however long they take.
#   urgent:  what a person is waiting for, or what must never lag: the outbox (reminders,
#            alert notifications), the isolation sweep, escalation, and the heartbeat, which
#            thereby proves that beat and the urgent workers are alive (/healthz).
#   default: small jobs a user may be waiting on, and hourly bookkeeping.
#   bulk:    long jobs over many rows: imports, nightly batches, digests, purges.
CELERY_TASK_DEFAULT_QUEUE = "default"
LIENS_QUEUES = ("urgent", CELERY_TASK_DEFAULT_QUEUE, "bulk")

# Every task's queue, reviewed in one place; a task not named here goes to the default queue.
# tests/test_celery.py checks that every task of CELERY_IMPORTS and every beat entry is routed
# to one of LIENS_QUEUES, and that the urgent work is on "urgent".
CELERY_TASK_ROUTES = {
    # urgent
    "liens.outbox.dispatch": {"queue": "urgent"},
    "liens.outbox.requeue_stuck": {"queue": "urgent"},
    "liens.tasks.heartbeat": {"queue": "urgent"},
    "missions.alerts.tasks.sweep_isolation": {"queue": "urgent"},
    "missions.alerts.tasks.escalate_alerts": {"queue": "urgent"},
    # default
    "missions.visits.materialise_match": {"queue": "default"},
    "missions.visits.chase_reports": {"queue": "default"},
    "missions.matching.expire_proposals": {"queue": "default"},
    "missions.association.beneficiaries_resume_due": {"queue": "default"},
    "missions.liensocial.shortfalls_notify": {"queue": "default"},
    # bulk
    "missions.association.import_check": {"queue": "bulk"},
    "missions.association.import_run": {"queue": "bulk"},
    "missions.matching.propose_all": {"queue": "bulk"},
    "missions.visits.materialise_all": {"queue": "bulk"},
    "missions.visits.plan_reminders_all": {"queue": "bulk"},
    "missions.visits.send_digests": {"queue": "bulk"},
    "liens.tasks.purge_access_log": {"queue": "bulk"},
    "liens.tasks.purge_sent_notifications": {"queue": "bulk"},
    "missions.privacy.purge_import_files": {"queue": "bulk"},
    "missions.privacy.anonymise_ended": {"queue": "bulk"},
}

# The whole periodic schedule, reviewed in one place. Every entry expires about one interval
# later, so a backed-up broker drops stale runs instead of stacking them; every job is
# idempotent, so a run that does go through twice does no harm. CELERY_TIMEZONE is
# Europe/Paris, so the crontab hours are local on both sides of a DST change.
CELERY_BEAT_SCHEDULE = {
    # Records that the worker and beat loop is alive; /healthz reads it (HEARTBEAT_MAX_AGE).
    "heartbeat": {
        "task": "liens.tasks.heartbeat",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 55},
    },
    # Sends the due rows of the notification outbox (emails, text messages, push).
    "dispatch-notifications": {
        "task": "liens.outbox.dispatch",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 55},
    },
    # Puts back in the queue the rows a dead dispatcher left "sending".
    "requeue-stuck-notifications": {
        "task": "liens.outbox.requeue_stuck",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 4 * 60 + 50},
    },
    # Raises (or raises the severity of) no-contact alerts from the contact ledger.
    "sweep-isolation": {
        "task": "missions.alerts.tasks.sweep_isolation",
        "schedule": timedelta(minutes=15),
        "options": {"expires": 14 * 60},
    },
    # Escalates unacknowledged alerts; every 5 minutes, so an urgent alert escalates one hour
    # after it was raised, not up to 75.
    "escalate-alerts": {
        "task": "missions.alerts.tasks.escalate_alerts",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 4 * 60 + 50},
    },
    # Nightly: creates the next weeks' visits of every active match (LIENS_VISITS_AHEAD_WEEKS).
    "materialise-visits": {
        "task": "missions.visits.materialise_all",
        "schedule": crontab(hour=2, minute=10),
        "options": {"expires": 23 * 3600},
    },
    # Nightly, after the visits: plans (or re-plans) the reminders of upcoming visits.
    "plan-reminders": {
        "task": "missions.visits.plan_reminders_all",
        "schedule": crontab(hour=2, minute=40),
        "options": {"expires": 23 * 3600},
    },
    # Hourly: visits long without a report become unconfirmed, and staff are told.
    "chase-reports": {
        "task": "missions.visits.chase_reports",
        "schedule": crontab(minute=20),
        "options": {"expires": 55 * 60},
    },
    # The coordinators' morning digest at 07:30 local time; none when there is nothing to say.
    "send-digests": {
        "task": "missions.visits.send_digests",
        "schedule": crontab(hour=7, minute=30),
        "options": {"expires": 23 * 3600},
    },
    # Nightly: unanswered proposals expire; stand-ins whose cover period is over are ended.
    "expire-proposals": {
        "task": "missions.matching.expire_proposals",
        "schedule": crontab(hour=3, minute=5),
        "options": {"expires": 23 * 3600},
    },
    # Nightly batch proposals for every territory's open missions; coordinators review them.
    "propose-matches": {
        "task": "missions.matching.propose_all",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 23 * 3600},
    },
    # Hourly: the beneficiaries' pauses whose end date has passed are resumed. A pause ends at
    # local midnight (missions.deadline.pause_end) and the sweep only looks at a person once
    # resumed, so this runs on the hour: as an interval it ran at beat's own phase, up to an
    # hour after midnight, and a silence that ended with the pause waited that long for its alert.
    "beneficiaries-resume-due": {
        "task": "missions.association.beneficiaries_resume_due",
        "schedule": crontab(minute=0),
        "options": {"expires": 55 * 60},
    },
    # Daily at 08:10 local time, in the last week of a month: home-care managers hear about
    # APA plans whose lien-social hours are behind, while there is time to catch up.
    "lien-social-shortfalls": {
        "task": "missions.liensocial.shortfalls_notify",
        "schedule": crontab(hour=8, minute=10),
        "options": {"expires": 23 * 3600},
    },
    # Retention of personal data (periods in the "Retention" block of liens/settings.py); nightly.
    "purge-access-log": {
        "task": "liens.tasks.purge_access_log",
        "schedule": crontab(hour=4, minute=5),
        "options": {"expires": 23 * 3600},
    },
    "purge-sent-notifications": {
        "task": "liens.tasks.purge_sent_notifications",
        "schedule": crontab(hour=4, minute=15),
        "options": {"expires": 23 * 3600},
    },
    "purge-import-files": {
        "task": "missions.privacy.purge_import_files",
        "schedule": crontab(hour=4, minute=25),
        "options": {"expires": 23 * 3600},
    },
    "anonymise-ended-beneficiaries": {
        "task": "missions.privacy.anonymise_ended",
        "schedule": crontab(hour=4, minute=35),
        "options": {"expires": 23 * 3600},
    },
}


def schedule_sped_up(schedule: dict, factor: float) -> dict:
    """The schedule with every interval divided by factor; crontab entries keep their times.

    For the multi-process test (LIENS_BEAT_SPEEDUP): the same entries, routes and relative
    timing, run in seconds rather than minutes. Expiries keep their real length: on a test
    machine short of CPU a message a few seconds late must still run, as it would here with
    its minute to spare; a run too many does no harm (every job is idempotent).
    """
    faster = deepcopy(schedule)
    for entry in faster.values():
        if isinstance(entry["schedule"], timedelta):
            entry["schedule"] = entry["schedule"] / factor
    return faster
