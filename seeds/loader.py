"""Load the demo territory: three associations in Lyon, their staff, volunteers, beneficiaries,
missions, matches, two months of visits and reports, the contact ledger and a few alerts.

Everything is drawn from one `random.Random(seed)` and dated relative to `now`, so the same
seed gives the same territory, always "current". The parts of the builder (seeds.people,
seeds.beneficiaries, seeds.matches, seeds.events) plan the rows in memory; seeds.history writes
the accounts and files with bulk_create, prepares each mission through mission_create on the
day it was written, then replays the past through the services at the moments it happened,
each step after the one it needs and none after `now`: the vetting, the people followed, the
missions published and closed, the matches proposed to the matching engine's suggestions then,
accepted, started, reviewed, paused and ended (seeds.lifecycle), their visits materialised by
the visit services and the nightly job, the reports, the chase of the silent visits, the
contact ledger, the alert jobs and the coordinators' actions. One transaction. Loading is
idempotent: if the demo is already there, nothing is written.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from liens.models import Notification
from missions.models import (
    Association,
    Beneficiary,
    Contact,
    IsolationAlert,
    Match,
    Membership,
    Mission,
    Visit,
    VisitReport,
)
from seeds import liensocial
from seeds import territory as T
from seeds.beneficiaries import Beneficiaries
from seeds.common import BuilderBase, without_savepoints
from seeds.conversations import Conversations
from seeds.events import Events
from seeds.history import History
from seeds.lifecycle import Lifecycle
from seeds.matches import Matches
from seeds.people import People
from seeds.referrals import Referrals
from volunteers.models import Volunteer

DEFAULT_SEED = 20261123


def demo_associations():
    return Association.objects.filter(name__in=[spec.name for spec in T.ASSOCIATIONS])


# Generated volunteers are prenom.nom.N@exemple.fr; other accounts on the domain (tests, a
# developer's own) are left alone.
DEMO_VOLUNTEER_EMAIL = r"^[a-z-]+\.[a-z-]+\.[0-9]+@" + T.DEMO_DOMAIN.replace(".", r"\.") + "$"


def demo_users():
    fixed = [spec.email for spec in T.STAFF] + [T.DEMO_VOLUNTEER["email"]] + liensocial.demo_emails()
    return get_user_model().objects.filter(Q(email__in=fixed) | Q(email__regex=DEMO_VOLUNTEER_EMAIL))


def is_loaded() -> bool:
    return (
        Association.objects.filter(name=T.ASSOCIATIONS[0].name).exists()
        or get_user_model().objects.filter(email=T.DEMO_VOLUNTEER["email"]).exists()
    )


def demo_counts(now: dt.datetime | None = None) -> dict:
    """What the demo territory holds, read back from the database."""
    now = now or timezone.now()
    assocs = demo_associations()
    beneficiaries = Beneficiary.objects.filter(association__in=assocs)
    matches = Match.objects.filter(mission__association__in=assocs)
    return {
        "associations": assocs.count(),
        "memberships": Membership.objects.filter(association__in=assocs).count(),
        "users": demo_users().count(),
        "volunteers": Volunteer.objects.filter(user__in=demo_users()).count(),
        "beneficiaries": beneficiaries.count(),
        "missions": Mission.objects.filter(association__in=assocs).count(),
        "matches": matches.count(),
        "active_matches": matches.filter(status=Match.Status.ACTIVE).count(),
        "visits": Visit.objects.filter(match__mission__association__in=assocs).count(),
        "reports": VisitReport.objects.filter(visit__match__mission__association__in=assocs).count(),
        "contacts": Contact.objects.filter(beneficiary__association__in=assocs).count(),
        "open_alerts": IsolationAlert.objects.filter(association__in=assocs, resolved_at__isnull=True).count(),
        # Past target + grace: due for the sweep, or already under an open no-contact alert.
        "overdue": beneficiaries.filter(status=Beneficiary.Status.ACTIVE)
        .filter(Q(alert_after__lte=now) | Q(alerts__kind="no_contact", alerts__resolved_at__isnull=True))
        .distinct()
        .count(),
    }


def load_demo(*, now: dt.datetime | None = None, seed: int = DEFAULT_SEED) -> dict:
    """Build the demo territory unless it is already there; return the counts and `created`."""
    now = now or timezone.now()
    if is_loaded():
        return {**demo_counts(now), "created": False}
    try:
        with transaction.atomic():
            _Builder(now=now, rng=random.Random(seed)).build()
    except IntegrityError:
        # Another process loaded it at the same moment: its copy stands.
        if not is_loaded():
            raise
        return {**demo_counts(now), "created": False}
    return {**demo_counts(now), "created": True}


def plan_demo(*, now: dt.datetime, seed: int = DEFAULT_SEED):
    """The demo as its planner writes it in memory, before anything is saved (for checks)."""
    builder = _Builder(now=now, rng=random.Random(seed))
    builder.plan()
    return builder


def reset_demo() -> None:
    """Delete the demo territory: its associations and everything under them, and the demo
    accounts (the fixed ones and the generated volunteers)."""
    with transaction.atomic():
        assocs = demo_associations()
        IsolationAlert.objects.filter(Q(association__in=assocs) | Q(beneficiary__association__in=assocs)).delete()
        Contact.objects.filter(beneficiary__association__in=assocs).delete()
        Match.objects.filter(mission__association__in=assocs).delete()
        Mission.objects.filter(association__in=assocs).delete()
        Beneficiary.objects.filter(association__in=assocs).delete()  # their APA plans with them
        assocs.delete()
        Association.objects.filter(name=liensocial.SERVICE_NAME, kind=Association.Kind.HOME_CARE).delete()
        demo_users().delete()


class _Builder(History, Lifecycle, Events, Matches, Beneficiaries, People, Conversations, Referrals, BuilderBase):
    """The whole territory: each part plans its rows in memory, History writes them and replays
    the past through the services."""

    def plan(self) -> None:
        """Plan every row in memory; nothing is saved yet."""
        self.make_staff_and_associations()
        self.make_volunteers()
        self.make_beneficiaries()
        self.make_group_events_and_outings()
        self.make_proposals()
        self.make_ledger_extras()
        self.finish_beneficiaries()
        self.plan_alerts()

    def build(self) -> None:
        self.plan()
        outbox_before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
        self.write()
        with without_savepoints():
            self.replay_assessments()
            self.replay_ledger()
            self.refuse_applications()
            self.replay_silences()
            self.replay_conversation()
            # The home-care service and its lien-social hours, once the persons are followed.
            liensocial.seed_lien_social(now=self.now)
            self.replay_referrals()
        # What the replayed services and jobs wrote to the outbox then is not sent today.
        Notification.objects.filter(pk__gt=outbox_before).delete()
