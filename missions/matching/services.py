"""The life of a match (writes): proposed -> accepted -> introduced -> active -> paused -> ended,
or declined / expired; stand-ins while the regular visitor is away; batch proposals.

Each service opens its transaction, locks what it changes, checks the hard rules (the same
rules.py functions as the suggestions) or the lifecycle step, writes, and tells the other side
through the outbox. Rule violations raise liens.errors.DomainError with words people can read.
Lock order, everywhere: mission, then volunteer, then match, so two writers never deadlock.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import logging
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from liens.errors import DomainError
from liens.models import User
from liens.notify import notify, site_url
from liens.scopes import scopes_disabled
from missions.models import Match, Mission, Visit
from missions.permissions import is_match_volunteer, match_party_check, outreach_check, staff_check
from missions.scoping import AWAITING_VALIDATION
from missions.visits.services import reminders_replan_for_match, visits_materialise
from volunteers.models import Volunteer

from . import batch
from .candidates import pair_evaluate, visit_slot
from .rules import rules_broken
from .scoring import parts_compute, parts_explain, score_of
from .selectors import stand_in_suggestion

logger = logging.getLogger(__name__)


# --- helpers ------------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _link(name: str, *args) -> str:
    return site_url(reverse(name, args=args))


def _tell(*, recipient: User, kind: str, dedup_key: str, subject, message, params: dict, link: str = "") -> None:
    """One outbox message, worded in the recipient's language (the outbox renders it there too)."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        context = {"subject": str(subject % params), "message": str(message % params), "link": link}
    notify(recipient=recipient, kind=kind, context=context, dedup_key=dedup_key)


def _staff(association_id: int) -> list[User]:
    return list(User.objects.filter(memberships__association_id=association_id, is_active=True).distinct())


def _pair_facts(**pair):
    """pair_evaluate across every association, whatever the request's staff scope: a volunteer's
    commitments, history and reliability are theirs, not one association's, so the hard rules
    (capacity first) must count all of them. Only facts about this one pair come out."""
    with scopes_disabled("the hard rules count a volunteer's matches and visits in every association"):
        return pair_evaluate(**pair)


def _tell_staff(*, association_id: int, kind: str, dedup_key: str, subject, message, params, link="") -> None:
    for user in _staff(association_id):
        _tell(
            recipient=user,
            kind=kind,
            dedup_key=f"{dedup_key}:u{user.pk}",
            subject=subject,
            message=message,
            params=params,
            link=link,
        )


@dataclass(frozen=True)
class _Message:
    kind: str
    dedup_key: str
    subject: str
    message: str
    link: str = ""


def _tell_the_other_side(*, match: Match, by, params: dict, to_staff: _Message, to_volunteer: _Message) -> None:
    """A step either side may take: the match's volunteer took it, so its association's staff are
    told; or staff took it, so the volunteer is."""
    if is_match_volunteer(by, match):
        told, send = to_staff, functools.partial(_tell_staff, association_id=match.mission.association_id)
    else:
        told, send = to_volunteer, functools.partial(_tell, recipient=match.volunteer.user)
    send(
        kind=told.kind,
        dedup_key=told.dedup_key,
        subject=told.subject,
        message=told.message,
        params=params,
        link=told.link,
    )


def _locked(match: Match) -> Match:
    return (
        Match.objects.select_for_update(of=("self",))
        .select_related("mission__association", "mission__beneficiary", "volunteer__user")
        .get(pk=match.pk)
    )


def _lock_volunteer(volunteer: Volunteer) -> None:
    # Serialises concurrent proposals and offers for this volunteer, so max_commitments holds.
    list(Volunteer.objects.select_for_update().filter(pk=volunteer.pk).values_list("pk", flat=True))


def _reason(reason: str, *, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give a reason."), field=field)
    return str(reason)[:200]


def _who(match: Match) -> dict:
    mission = match.mission
    return {
        "volunteer": match.volunteer.user.get_full_name() or match.volunteer.user.email,
        "mission": mission.title,
        "person": mission.beneficiary.display_name if mission.beneficiary_id else mission.place,
    }


def _create_checked(
    *,
    mission: Mission,
    volunteer: Volunteer,
    status: str,
    proposed_by=None,
    now: datetime.datetime,
    slot=None,
    away: int = 0,
    covers: Match | None = None,
    cover_until: datetime.date | None = None,
) -> Match:
    """Judge the pair with the hard rules and write the match with its score parts."""
    # A stand-in may join a mission whose places are all taken by regular visitors.
    statuses = (Mission.Status.OPEN, Mission.Status.FILLED) if covers else (Mission.Status.OPEN,)
    p = _pair_facts(volunteer=volunteer, mission=mission, now=now, slot=slot, away=away, statuses=statuses)
    broken = rules_broken(p, 0)
    if broken:
        raise DomainError(
            _("This volunteer cannot take this mission. Not met: %(rules)s.")
            % {"rules": ", ".join(str(rule.label) for rule in broken)},
            field="volunteer",
            code="rules",
        )
    explained = parts_explain(p, 0, parts_compute(p))
    try:
        with transaction.atomic():
            return Match.objects.create(
                mission=mission,
                volunteer=volunteer,
                status=status,
                proposed_by=proposed_by,
                responded_at=now if status == Match.Status.ACCEPTED else None,
                score=score_of(explained),
                score_parts={part.name: round(part.value, 4) for part in explained},
                covers=covers,
                cover_until=cover_until,
            )
    except IntegrityError as exc:
        # The partial unique constraint: a live match between them appeared meanwhile.
        raise DomainError(_("This volunteer is already on this mission."), field="volunteer") from exc


def _mission_places_taken(mission: Mission) -> int:
    """Regular (not stand-in) matches holding a place for good: active or paused."""
    return mission.matches.filter(status__in=[Match.Status.ACTIVE, Match.Status.PAUSED], covers__isnull=True).count()


# --- proposals ------------------------------------------------------------------------------------


def match_propose(*, mission: Mission, volunteer: Volunteer, by) -> Match:
    """A coordinator proposes the mission to a volunteer (status proposed) and the volunteer is
    told. Refused when a hard rule is broken or a live match between them exists."""
    now = timezone.now()
    with transaction.atomic():
        mission = Mission.objects.select_for_update().select_related("association").get(pk=mission.pk)
        staff_check(by, mission.association_id)
        outreach_check(by, mission.association)
        _lock_volunteer(volunteer)
        match = _create_checked(
            mission=mission, volunteer=volunteer, status=Match.Status.PROPOSED, proposed_by=by, now=now
        )
        match = Match.objects.select_related("mission__beneficiary", "volunteer__user").get(pk=match.pk)
        _tell(
            recipient=match.volunteer.user,
            kind="match_proposed",
            dedup_key=f"match:{match.pk}:proposed",
            subject=_("A visit is proposed to you: %(mission)s"),
            message=_(
                "The association proposes that you visit %(person)s (%(mission)s). "
                "Please accept or decline it in Liens."
            ),
            params=_who(match),
            link=_link("volunteers:mission_detail", mission.pk),
        )
    return match


def match_offer(*, mission: Mission, volunteer: Volunteer) -> Match:
    """A volunteer offers to take a mission: the match starts accepted, coordinators are told.
    Refused when a hard rule is broken."""
    now = timezone.now()
    with transaction.atomic():
        mission = Mission.objects.select_for_update().get(pk=mission.pk)
        _lock_volunteer(volunteer)
        match = _create_checked(mission=mission, volunteer=volunteer, status=Match.Status.ACCEPTED, now=now)
        match = Match.objects.select_related("mission__beneficiary", "volunteer__user").get(pk=match.pk)
        _tell_staff(
            association_id=mission.association_id,
            kind="match_offered",
            dedup_key=f"match:{match.pk}:offered",
            subject=_("%(volunteer)s offers to take %(mission)s"),
            message=_("%(volunteer)s offers to visit %(person)s (%(mission)s). Plan the introduction visit."),
            params=_who(match),
            link=_link("matching:match", match.pk),
        )
    return match


def match_accept(*, match: Match, volunteer: Volunteer) -> Match:
    """The volunteer accepts a proposal; coordinators are told. Only their own, only once."""
    now = timezone.now()
    with transaction.atomic():
        match = _locked(match)
        if match.volunteer_id != volunteer.pk:
            raise DomainError(_("This proposal is not yours."), code="forbidden")
        if match.status != Match.Status.PROPOSED:
            raise DomainError(_("This proposal can no longer be accepted."), code="status")
        match.status, match.responded_at = Match.Status.ACCEPTED, now
        match.save(update_fields=["status", "responded_at"])
        _tell_staff(
            association_id=match.mission.association_id,
            kind="match_accepted",
            dedup_key=f"match:{match.pk}:accepted",
            subject=_("%(volunteer)s accepted %(mission)s"),
            message=_("%(volunteer)s accepted to visit %(person)s (%(mission)s). Plan the introduction visit."),
            params=_who(match),
            link=_link("matching:match", match.pk),
        )
    return match


def match_decline(*, match: Match, by, reason: str) -> Match:
    """The volunteer declines, or a coordinator withdraws, a proposal not yet active; who, when
    and why are kept. The other side is told."""
    match_party_check(by, match)
    reason = _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        match = _locked(match)
        if match.status not in (Match.Status.PROPOSED, Match.Status.ACCEPTED):
            raise DomainError(_("Only a proposal not yet started can be declined."), code="status")
        match.status, match.ended_at, match.ended_by, match.end_reason = Match.Status.DECLINED, now, by, reason
        match.responded_at = match.responded_at or now
        match.save(update_fields=["status", "ended_at", "ended_by", "end_reason", "responded_at"])
        _tell_the_other_side(
            match=match,
            by=by,
            params={**_who(match), "reason": reason},
            to_staff=_Message(
                "match_declined",
                f"match:{match.pk}:declined",
                _("%(volunteer)s declined %(mission)s"),
                _("%(volunteer)s declined to visit %(person)s: %(reason)s. Other volunteers are suggested."),
                _link("matching:suggestions", match.mission_id),
            ),
            to_volunteer=_Message(
                "match_withdrawn",
                f"match:{match.pk}:withdrawn",
                _("Proposal withdrawn: %(mission)s"),
                _("The association withdrew its proposal to visit %(person)s: %(reason)s."),
            ),
        )
    return match


# --- from introduction to end ---------------------------------------------------------------------


def match_introduce(*, match: Match, by, on: datetime.date) -> Match:
    """A coordinator records the introduction visit (volunteer, person and coordinator together)."""
    with transaction.atomic():
        match = _locked(match)
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


def match_visits_materialise(*, match_id: int) -> int:
    """Create a match's coming visits (a stand-in's only within its cover period); the count created.

    Run by the `missions.visits.materialise_match` task once an activation has committed.
    Idempotent; a match that vanished meanwhile is a no-op.
    """
    match = Match.objects.select_related("mission__association").filter(pk=match_id).first()
    if match is None:
        return 0
    created = visits_materialise(match=match)
    if match.covers_id is not None:
        _stand_in_visits_trim(matches=Match.objects.filter(pk=match.pk))
    return created


def _reminders_replan(match: Match, *, now: datetime.datetime) -> None:
    reminders_replan_for_match(match=match, now=now)


def _stand_in_visits_trim(*, matches) -> int:
    """A stand-in visits only within its cover period: cancel its scheduled visits after it.

    The visit schedule materialises weeks ahead and knows nothing of cover periods, so this
    runs after each materialisation of a stand-in and in the nightly job. Idempotent.
    """
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(_("The cover period is over."))
    trimmed = 0
    for match_id, until in matches.filter(cover_until__isnull=False).values_list("pk", "cover_until"):
        trimmed += Visit.objects.filter(match_id=match_id, status=Visit.Status.SCHEDULED, occurrence__gt=until).update(
            status=Visit.Status.CANCELLED, cancel_reason=reason, updated_at=timezone.now()
        )
    return trimmed


def match_activate(*, match: Match, by) -> Match:
    """A coordinator starts the match (after the introduction visit) or resumes a paused one.

    Starting sets the first review (settings.LIENS_MATCH_FIRST_REVIEW_WEEKS later), fills the
    mission when every place is taken, and, after commit, sends the task that materialises the
    visits (the nightly job would catch up on them too).
    """
    now = timezone.now()
    with transaction.atomic():
        mission = Mission.objects.select_for_update().get(pk=match.mission_id)
        match = _locked(match)
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
            if mission.status == Mission.Status.OPEN and _mission_places_taken(mission) >= mission.volunteers_needed:
                mission.status = Mission.Status.FILLED
                mission.save(update_fields=["status"])
        else:
            raise DomainError(_("Only an accepted or paused match can be started."), code="status")
        _tell(
            recipient=match.volunteer.user,
            kind="match_active",
            dedup_key=f"match:{match.pk}:active:{now:%Y%m%d%H%M%S}",
            subject=_("Your visits to %(person)s start"),
            message=_("Your visits to %(person)s (%(mission)s) are confirmed. Thank you!"),
            params=_who(match),
            link=_link("volunteers:mission_detail", mission.pk),
        )
        # The visits are the worker's job, not the request's: sent once this commits.
        # A cycle: the visits' tasks call this module's services at import.
        from missions.visits.tasks import materialise_match

        materialise_match.delay(match.pk)
    return match


def match_pause(*, match: Match, by, reason: str) -> Match:
    """Pause an active match (the coordinator or the volunteer); the other side is told."""
    match_party_check(by, match)
    reason = _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        match = _locked(match)
        if match.status != Match.Status.ACTIVE:
            raise DomainError(_("Only an active match can be paused."), code="status")
        match.status, match.paused_at, match.pause_reason = Match.Status.PAUSED, now, reason
        match.save(update_fields=["status", "paused_at", "pause_reason"])
        _reminders_replan(match, now=now)  # the paused visits' pending reminders are cancelled
        paused_key = f"match:{match.pk}:paused:{now:%Y%m%d%H%M%S}"
        _tell_the_other_side(
            match=match,
            by=by,
            params={**_who(match), "reason": reason},
            to_staff=_Message(
                "match_paused",
                paused_key,
                _("%(volunteer)s paused %(mission)s"),
                _("%(volunteer)s paused the visits to %(person)s: %(reason)s."),
                _link("matching:match", match.pk),
            ),
            to_volunteer=_Message(
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
    reason = _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        mission = Mission.objects.select_for_update().get(pk=match.mission_id)
        match = _locked(match)
        if match.status == Match.Status.ENDED:
            return match
        if match.status not in Match.LIVE:
            raise DomainError(_("This match is already closed."), code="status")
        match.status, match.ended_at, match.ended_by, match.end_reason = Match.Status.ENDED, now, by, reason
        match.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
        Visit.objects.filter(match=match, status=Visit.Status.SCHEDULED, starts_at__gt=now).update(
            status=Visit.Status.CANCELLED, cancel_reason=reason, cancelled_by=by, updated_at=now
        )
        if mission.status == Mission.Status.FILLED and _mission_places_taken(mission) < mission.volunteers_needed:
            mission.status = Mission.Status.OPEN
            mission.save(update_fields=["status"])
        _tell_the_other_side(
            match=match,
            by=by,
            params={**_who(match), "reason": reason},
            to_staff=_Message(
                "match_ended",
                f"match:{match.pk}:ended",
                _("%(volunteer)s stopped %(mission)s"),
                _("%(volunteer)s stopped visiting %(person)s: %(reason)s. New volunteers are suggested."),
                _link("matching:suggestions", mission.pk),
            ),
            to_volunteer=_Message(
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
        match = _locked(match)
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


def proposals_expire(*, now: datetime.datetime | None = None) -> int:
    """Proposals unanswered for settings.LIENS_PROPOSAL_EXPIRY_DAYS become expired, with the
    reason. One conditional UPDATE: idempotent and safe when two runs overlap."""
    now = now or timezone.now()
    days = settings.LIENS_PROPOSAL_EXPIRY_DAYS
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(_("No answer within %(days)d days.") % {"days": days})
    return Match.objects.filter(
        status=Match.Status.PROPOSED, proposed_at__lt=now - datetime.timedelta(days=days)
    ).update(status=Match.Status.EXPIRED, ended_at=now, end_reason=reason)


def covers_close(*, today: datetime.date | None = None) -> int:
    """Stand-ins whose cover period is over: proposals expire, the others end; no stand-in keeps
    a visit after its period. Idempotent."""
    today = today or timezone.localdate()
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(_("The cover period is over."))
    _stand_in_visits_trim(matches=Match.objects.filter(covers__isnull=False, status__in=Match.LIVE))
    over = Match.objects.filter(covers__isnull=False, cover_until__lt=today)
    expired = over.filter(status=Match.Status.PROPOSED).update(
        status=Match.Status.EXPIRED, ended_at=now, end_reason=reason
    )
    ended = over.filter(status__in=[Match.Status.ACCEPTED, Match.Status.ACTIVE, Match.Status.PAUSED]).update(
        status=Match.Status.ENDED, ended_at=now, end_reason=reason
    )
    return expired + ended


# --- stand-ins ------------------------------------------------------------------------------------


def _stand_in_propose(
    *, regular: Match, slot, cover_until: datetime.date, now: datetime.datetime, why: str
) -> Match | None:
    """Propose the best stand-in for `regular` (someone who knows the person first)."""
    mission = Mission.objects.select_for_update().get(pk=regular.mission_id)
    suggestion = stand_in_suggestion(mission=mission, slot=slot, away=1, exclude_volunteer_ids=[regular.volunteer_id])
    if suggestion is None:
        return None
    _lock_volunteer(suggestion.volunteer)
    try:
        match = _create_checked(
            mission=mission,
            volunteer=suggestion.volunteer,
            status=Match.Status.PROPOSED,
            now=now,
            slot=slot,
            away=1,
            covers=regular,
            cover_until=cover_until,
        )
    except DomainError:
        return None  # someone took the place meanwhile
    match = Match.objects.select_related("mission__beneficiary", "volunteer__user").get(pk=match.pk)
    params = {**_who(match), "regular": _who(regular)["volunteer"], "until": cover_until.isoformat()}
    _tell_staff(
        association_id=mission.association_id,
        kind="match_cover_proposed",
        dedup_key=f"match:{match.pk}:cover",
        subject=_("A stand-in is proposed for %(mission)s"),
        message=_("%(regular)s is away until %(until)s: %(volunteer)s is proposed to visit %(person)s meanwhile.")
        if why == "pause"
        else _("A visit of %(regular)s was cancelled: %(volunteer)s is proposed to visit %(person)s instead."),
        params=params,
        link=_link("matching:match", match.pk),
    )
    return match


def cover_propose_for_pause(*, volunteer: Volunteer, until: datetime.date) -> list[Match]:
    """While `volunteer` is away until `until`, propose a stand-in for each active match with a
    visit in that window. Idempotent: a live stand-in is kept (its end moved to `until`)."""
    now = timezone.now()
    created = []
    with transaction.atomic():
        regulars = Match.objects.filter(volunteer=volunteer, status=Match.Status.ACTIVE, covers__isnull=True)
        for regular in regulars.select_related("mission__association").order_by("pk"):
            live_cover = regular.cover_matches.filter(status__in=Match.LIVE).first()
            if live_cover is not None:
                if live_cover.cover_until < until:
                    live_cover.cover_until = until
                    live_cover.save(update_fields=["cover_until"])
                continue
            visit = (
                regular.visits.filter(status=Visit.Status.SCHEDULED, starts_at__gt=now, occurrence__lte=until)
                .order_by("starts_at")
                .first()
            )
            if visit is not None:
                slot = visit_slot(
                    starts_at=visit.starts_at,
                    ends_at=visit.ends_at,
                    timezone=regular.mission.association.timezone,
                    now=now,
                )
            else:
                # Visits not materialised that far: the mission's own next occurrence decides.
                p = _pair_facts(volunteer=volunteer, mission=regular.mission, now=now)
                slot = p.missions.slot(0)
                if slot.on > until:
                    continue
            match = _stand_in_propose(regular=regular, slot=slot, cover_until=until, now=now, why="pause")
            if match is not None:
                created.append(match)
    return created


def substitute_propose(*, visit: Visit) -> Match | None:
    """One visit was cancelled: propose a stand-in for it (someone who knows the person first).
    Idempotent: a live stand-in already covering that date is returned as it is."""
    now = timezone.now()
    if visit.starts_at <= now:
        return None
    with transaction.atomic():
        regular = Match.objects.select_related("mission__association").get(pk=visit.match_id)
        existing = (
            regular.cover_matches.filter(status__in=Match.LIVE, cover_until__gte=visit.occurrence)
            .order_by("pk")
            .first()
        )
        if existing is not None:
            return existing
        slot = visit_slot(
            starts_at=visit.starts_at, ends_at=visit.ends_at, timezone=regular.mission.association.timezone, now=now
        )
        return _stand_in_propose(regular=regular, slot=slot, cover_until=visit.occurrence, now=now, why="visit")


# --- batch ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult:
    proposed: int
    missions_covered: int
    total_score: float
    candidate_pairs: int
    missions: int


def proposals_batch(*, association=None, territory: str | None = None, now=None) -> BatchResult:
    """Propose volunteers for every open mission of an association or a territory, solving the
    assignment for the best total score (batch.py), and tell each association's coordinators.

    Writes proposals only (status proposed, proposed_by None): nothing is confirmed. The
    scope's missions are locked for the whole run, so two runs (or a run and a coordinator's
    proposal) never overfill a mission; a second run only fills places still open.
    """
    if association is None and territory is None:
        raise DomainError(_("Choose an association or a territory."))
    if association is not None and association.validated_at is None:
        # scope_missions leaves pending associations out anyway; say why rather than "nothing to do".
        raise DomainError(AWAITING_VALIDATION, code="forbidden")
    now = now or timezone.now()
    with transaction.atomic():
        scope = batch.scope_missions(association=association, territory=territory)
        locked = list(scope.select_for_update().order_by("pk").values_list("pk", flat=True))
        if not locked:
            return BatchResult(0, 0, 0.0, 0, 0)
        plan = batch.plan_build(missions=scope, now=now)
        outcome = batch.plan_solve(plan)
        p = plan.pairs
        # Best first, so that if a volunteer's room shrank meanwhile, their best proposal stays.
        chosen = outcome.chosen[np.argsort(-plan.scores[outcome.chosen], kind="stable")]
        volunteer_ids = sorted({int(p.volunteer.id[i]) for i in chosen})
        # Another mission's proposal may have taken a commitment since the plan was read.
        list(Volunteer.objects.select_for_update().filter(pk__in=volunteer_ids).order_by("pk").values_list("pk"))
        # Their commitments in every association count, whatever the caller's staff scope.
        with scopes_disabled("a volunteer's capacity counts their live matches in every association"):
            taken = dict(
                Match.objects.filter(volunteer__in=volunteer_ids, status__in=Match.LIVE)
                .values("volunteer")
                .annotate(n=Count("pk"))
                .values_list("volunteer", "n")
            )
        rows, per_association, covered = [], {}, set()
        for i in chosen.tolist():
            volunteer_id, m = int(p.volunteer.id[i]), int(p.mi[i])
            if taken.get(volunteer_id, 0) >= int(p.volunteer.max_commitments[i]):
                continue
            taken[volunteer_id] = taken.get(volunteer_id, 0) + 1
            mission_id = int(p.missions.id[m])
            covered.add(mission_id)
            per_association[int(p.missions.association_id[m])] = (
                per_association.get(int(p.missions.association_id[m]), 0) + 1
            )
            rows.append(
                Match(
                    mission_id=mission_id,
                    volunteer_id=volunteer_id,
                    status=Match.Status.PROPOSED,
                    proposed_by=None,
                    score=float(plan.scores[i]),
                    score_parts={name: round(float(plan.parts[name][i]), 4) for name in plan.parts},
                )
            )
        Match.objects.bulk_create(rows, batch_size=2000)
        stamp = now.strftime("%Y%m%d%H%M%S")
        for association_id, count in per_association.items():
            _tell_staff(
                association_id=association_id,
                kind="matching_batch",
                dedup_key=f"matching-batch:{association_id}:{stamp}",
                subject=ngettext_lazy(
                    "%(count)d new match proposal to review", "%(count)d new match proposals to review", "count"
                ),
                message=ngettext_lazy(
                    "Liens proposed %(count)d volunteer for your open missions. The volunteer accepts or "
                    "declines, and you confirm after the introduction visit.",
                    "Liens proposed %(count)d volunteers for your open missions. The volunteers accept or "
                    "decline, and you confirm after the introduction visit.",
                    "count",
                ),
                params={"count": count},
                link=_link("matching:proposals"),
            )
    logger.info("batch proposals: %d written for %d missions", len(rows), len(covered))
    return BatchResult(
        proposed=len(rows),
        missions_covered=len(covered),
        total_score=float(sum(r.score for r in rows)),
        candidate_pairs=len(p),
        missions=len(locked),
    )
