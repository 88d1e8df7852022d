"""The life of a match once accepted (writes): the introduction visit, the start (and its
visits), pauses, the end, the reviews, and the nightly close of stand-ins whose cover is over.
The proposals that come before are in services.py.

Same habits as there: one transaction per step, the match locked, the step checked, the other
side told through the outbox. Lock order, everywhere: mission, then volunteer, then match.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from liens.errors import DomainError
from missions.models import Match, Mission, Visit
from missions.permissions import match_party_check, staff_check
from missions.visits.reminders import reminders_replan_for_match
from missions.visits.services import stand_in_visits_trim
from missions.visits.tasks import materialise_match

from .common import (
    Message,
    add_months,
    locked,
    mission_places_taken,
    reason_given,
    site_link,
    tell,
    tell_the_other_side,
    who,
)

# --- from introduction to end ---------------------------------------------------------------------


def match_introduce(*, match: Match, by, on: datetime.date) -> Match:
    """A coordinator records the introduction visit (volunteer, person and coordinator together)."""
    with transaction.atomic():
        match = locked(match)
        staff_check(by, match.mission.association_id)
        if match.status != Match.Status.ACCEPTED:
            raise DomainError(_("The volunteer must accept before the introduction visit."), code="status")
        if on is None or on > timezone.localdate():
            raise DomainError(_("Record the introduction visit once it has happened."), field="on")
        if on < timezone.localtime(match.proposed_at).date():
            raise DomainError(_("The introduction cannot come before the proposal."), field="on")
        match.introduced_on = on
        match.save(update_fields=["introduced_on"])
    return match


def _reminders_replan(match: Match, *, now: datetime.datetime) -> None:
    reminders_replan_for_match(match=match, now=now)


def match_activate(*, match: Match, by) -> Match:
    """A coordinator starts the match (after the introduction visit) or resumes a paused one.

    Starting sets the first review (settings.LIENS_MATCH_FIRST_REVIEW_WEEKS later), fills the
    mission when every place is taken, and, after commit, sends the task that materialises the
    visits (the nightly job would catch up on them too).
    """
    now = timezone.now()
    with transaction.atomic():
        mission = Mission.objects.select_for_update().get(pk=match.mission_id)
        match = locked(match)
        staff_check(by, mission.association_id)
        if match.status == Match.Status.PAUSED:
            # Visits due while the match was paused did not happen: they are called off, so that
            # no report is chased and no missed-visits alert is raised for them.
            with translation.override(settings.LANGUAGE_CODE):
                reason = str(_("The visits were paused at that time."))
            Visit.objects.filter(
                match=match, status=Visit.Status.SCHEDULED, starts_at__gte=match.paused_at, starts_at__lte=now
            ).update(status=Visit.Status.CANCELLED, cancel_reason=reason, updated_at=now)
            match.status, match.paused_at, match.pause_reason = Match.Status.ACTIVE, None, ""
            match.save(update_fields=["status", "paused_at", "pause_reason"])
            _reminders_replan(match, now=now)  # the visits ahead get their reminders back
        elif match.status == Match.Status.ACCEPTED:
            # A stand-in only covers a few visits: the coordinator's confirmation is the check.
            if match.introduced_on is None and match.covers_id is None:
                raise DomainError(_("Record the introduction visit first."), field="introduced_on")
            match.status, match.activated_at = Match.Status.ACTIVE, now
            if match.covers_id is None:
                start = timezone.localdate(now)
                match.next_review_on = start + datetime.timedelta(weeks=settings.LIENS_MATCH_FIRST_REVIEW_WEEKS)
            match.save(update_fields=["status", "activated_at", "next_review_on"])
            if mission.status == Mission.Status.OPEN and mission_places_taken(mission) >= mission.volunteers_needed:
                mission.status = Mission.Status.FILLED
                mission.save(update_fields=["status"])
        else:
            raise DomainError(_("Only an accepted or paused match can be started."), code="status")
        tell(
            recipient=match.volunteer.user,
            kind="match_active",
            dedup_key=f"match:{match.pk}:active:{now:%Y%m%d%H%M%S}",
            subject=_("Your visits to %(person)s start"),
            message=_("Your visits to %(person)s (%(mission)s) are confirmed. Thank you!"),
            params=who(match),
            link=site_link("volunteers:mission_detail", mission.pk),
        )
        # The visits are the worker's job, not the request's: sent once this commits.
        materialise_match.delay(match.pk)
    return match


def match_pause(*, match: Match, by, reason: str) -> Match:
    """Pause an active match (the coordinator or the volunteer); the other side is told."""
    match_party_check(by, match)
    reason = reason_given(reason)
    now = timezone.now()
    with transaction.atomic():
        match = locked(match)
        if match.status != Match.Status.ACTIVE:
            raise DomainError(_("Only an active match can be paused."), code="status")
        match.status, match.paused_at, match.pause_reason = Match.Status.PAUSED, now, reason
        match.save(update_fields=["status", "paused_at", "pause_reason"])
        _reminders_replan(match, now=now)  # the paused visits' pending reminders are cancelled
        paused_key = f"match:{match.pk}:paused:{now:%Y%m%d%H%M%S}"
        tell_the_other_side(
            match=match,
            by=by,
            params={**who(match), "reason": reason},
            to_staff=Message(
                "match_paused",
                paused_key,
                _("%(volunteer)s paused %(mission)s"),
                _("%(volunteer)s paused the visits to %(person)s: %(reason)s."),
                site_link("matching:match", match.pk),
            ),
            to_volunteer=Message(
                "match_paused",
                paused_key,
                _("Visits paused: %(mission)s"),
                _("The association paused your visits to %(person)s: %(reason)s."),
            ),
        )
    return match


def match_end(*, match: Match, by, reason: str) -> Match:
    """End a live match: who, why and when are kept, its future visits are cancelled, a filled
    mission opens again and coordinators are offered a rematch. Idempotent on an ended match."""
    match_party_check(by, match)
    reason = reason_given(reason)
    now = timezone.now()
    with transaction.atomic():
        mission = Mission.objects.select_for_update().get(pk=match.mission_id)
        match = locked(match)
        if match.status == Match.Status.ENDED:
            return match
        if match.status not in Match.LIVE:
            raise DomainError(_("This match is already closed."), code="status")
        match.status, match.ended_at, match.ended_by, match.end_reason = Match.Status.ENDED, now, by, reason
        match.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
        Visit.objects.filter(match=match, status=Visit.Status.SCHEDULED, starts_at__gt=now).update(
            status=Visit.Status.CANCELLED, cancel_reason=reason, cancelled_by=by, updated_at=now
        )
        if mission.status == Mission.Status.FILLED and mission_places_taken(mission) < mission.volunteers_needed:
            mission.status = Mission.Status.OPEN
            mission.save(update_fields=["status"])
        tell_the_other_side(
            match=match,
            by=by,
            params={**who(match), "reason": reason},
            to_staff=Message(
                "match_ended",
                f"match:{match.pk}:ended",
                _("%(volunteer)s stopped %(mission)s"),
                _("%(volunteer)s stopped visiting %(person)s: %(reason)s. New volunteers are suggested."),
                site_link("matching:suggestions", mission.pk),
            ),
            to_volunteer=Message(
                "match_ended",
                f"match:{match.pk}:ended",
                _("Visits ended: %(mission)s"),
                _("Your visits to %(person)s have ended: %(reason)s. Thank you for your time."),
            ),
        )
    return match


def match_review(*, match: Match, by, on: datetime.date) -> Match:
    """A coordinator records a review of an active match; the next one is
    settings.LIENS_MATCH_REVIEW_EVERY_MONTHS later."""
    with transaction.atomic():
        match = locked(match)
        staff_check(by, match.mission.association_id)
        if match.status not in (Match.Status.ACTIVE, Match.Status.PAUSED):
            raise DomainError(_("Only a started match can be reviewed."), code="status")
        if on is None or on > timezone.localdate():
            raise DomainError(_("Record the review once it has happened."), field="on")
        match.last_review_on = on
        match.next_review_on = add_months(on, settings.LIENS_MATCH_REVIEW_EVERY_MONTHS)
        match.save(update_fields=["last_review_on", "next_review_on"])
    return match


# --- jobs -----------------------------------------------------------------------------------------


def covers_close(*, today: datetime.date | None = None) -> int:
    """Stand-ins whose cover period is over: proposals expire, the others end; no stand-in keeps
    a visit after its period. Idempotent."""
    today = today or timezone.localdate()
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(_("The cover period is over."))
    stand_in_visits_trim(matches=Match.objects.filter(covers__isnull=False, status__in=Match.LIVE))
    over = Match.objects.filter(covers__isnull=False, cover_until__lt=today)
    expired = over.filter(status=Match.Status.PROPOSED).update(
        status=Match.Status.EXPIRED, ended_at=now, end_reason=reason
    )
    ended = over.filter(status__in=[Match.Status.ACCEPTED, Match.Status.ACTIVE, Match.Status.PAUSED]).update(
        status=Match.Status.ENDED, ended_at=now, end_reason=reason
    )
    return expired + ended
