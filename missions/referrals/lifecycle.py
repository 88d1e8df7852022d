"""A referral's life, in one place: which step may follow which, what each step stamps, and at
which steps the referrer hears back.

    received → contacted → assessed → matched → first visit → closed
        └──────────┴───────────┴──────────┴→ declined (with a reason)

A reported visit (missions/reports.py) may also move an open referral straight to "first visit"
from any step before it: the visit happened, whatever the coordinator had time to record.
"""

from django.utils.translation import gettext_lazy as _

from missions.models import Referral

Status = Referral.Status

ALLOWED: dict[str, tuple[str, ...]] = {
    Status.RECEIVED: (Status.CONTACTED, Status.DECLINED),
    Status.CONTACTED: (Status.ASSESSED, Status.DECLINED),
    Status.ASSESSED: (Status.MATCHED, Status.DECLINED),
    Status.MATCHED: (Status.FIRST_VISIT, Status.DECLINED),
    Status.FIRST_VISIT: (Status.CLOSED,),
    Status.CLOSED: (),
    Status.DECLINED: (),
}

# The steps a reported first visit moves on from.
BEFORE_FIRST_VISIT = (Status.RECEIVED, Status.CONTACTED, Status.ASSESSED, Status.MATCHED)

# The time each step stamps on the row.
STAMP = {
    Status.CONTACTED: "contacted_at",
    Status.ASSESSED: "assessed_at",
    Status.MATCHED: "matched_at",
    Status.FIRST_VISIT: "first_visit_at",
    Status.CLOSED: "closed_at",
    Status.DECLINED: "declined_at",
}

# Steps that need the person's file opened first: a volunteer is matched to a followed person.
NEEDS_PERSON = (Status.MATCHED, Status.FIRST_VISIT)

# The milestones the referrer hears about (missions/referrals/reportback.py), by the step that
# reaches them; receipt itself is acknowledged when the referral arrives.
ACKNOWLEDGED = "acknowledged"
TOLD_AT = {Status.FIRST_VISIT: "first_visit", Status.CLOSED: "closed", Status.DECLINED: "declined"}

# The button that takes a referral to each step, on the coordinator's page.
ACTION_LABELS = {
    Status.CONTACTED: _("Person contacted"),
    Status.ASSESSED: _("Needs assessed"),
    Status.MATCHED: _("Volunteer found"),
    Status.FIRST_VISIT: _("First visit done"),
    Status.CLOSED: _("Close"),
    Status.DECLINED: _("Decline"),
}


def next_steps(referral: Referral) -> tuple[str, ...]:
    """The steps a coordinator may take this referral to now."""
    return ALLOWED.get(referral.status, ())


def may_move(referral: Referral, to: str) -> bool:
    return to in next_steps(referral)
