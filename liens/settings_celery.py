"""What the Celery workers load and what beat runs when: the task modules and the periodic
schedule, each one dict reviewed in one place. liens/settings.py imports both names; the
broker and the worker's limits stay there, beside the other settings read from the environment.
"""

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
    "missions.matching.tasks",
    "missions.privacy.tasks",
    "missions.visits.tasks",
]

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
