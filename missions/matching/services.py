"""Proposals (writes): a coordinator proposes, a volunteer offers, accepts or declines; stand-ins
while the regular visitor is away; batch proposals; unanswered proposals expire. What follows
once a match is accepted (introduction, start, pause, end, reviews) is in life.py.

Each service opens its transaction, locks what it changes, checks the hard rules (the same
rules.py functions as the suggestions) or the lifecycle step, writes, and tells the other side
through the outbox. Rule violations raise liens.errors.DomainError with words people can read.
Lock order, everywhere: mission, then volunteer, then match, so two writers never deadlock.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from liens.errors import DomainError
from liens.lib.bulk import rows_copy
from liens.scopes import scopes_disabled
from missions.models import Match, Mission, Visit
from missions.permissions import match_party_check, outreach_check, staff_check
from missions.scoping import AWAITING_VALIDATION
from volunteers.models import Volunteer

from . import batch
from .candidates import pair_evaluate, visit_slot
from .common import (
    Message,
    lock_volunteer,
    locked,
    reason_given,
    site_link,
    tell,
    tell_staff,
    tell_the_other_side,
    who,
)
from .rules import rules_broken
from .scoring import parts_compute, parts_explain, score_of
from .selectors import stand_in_suggestion

logger = logging.getLogger(__name__)


def _pair_facts(**pair):
    """pair_evaluate across every association, whatever the request's staff scope: a volunteer's
    commitments, history and reliability are theirs, not one association's, so the hard rules
    (capacity first) must count all of them. Only facts about this one pair come out."""
    with scopes_disabled("the hard rules count a volunteer's matches and visits in every association"):
        return pair_evaluate(**pair)


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


# --- proposals ------------------------------------------------------------------------------------


def match_propose(*, mission: Mission, volunteer: Volunteer, by) -> Match:
    """A coordinator proposes the mission to a volunteer (status proposed) and the volunteer is
    told. Refused when a hard rule is broken or a live match between them exists."""
    now = timezone.now()
    with transaction.atomic():
        mission = Mission.objects.select_for_update().select_related("association").get(pk=mission.pk)
        staff_check(by, mission.association_id)
        outreach_check(by, mission.association)
        lock_volunteer(volunteer)
        match = _create_checked(
            mission=mission, volunteer=volunteer, status=Match.Status.PROPOSED, proposed_by=by, now=now
        )
        match = Match.objects.select_related("mission__beneficiary", "volunteer__user").get(pk=match.pk)
        tell(
            recipient=match.volunteer.user,
            kind="match_proposed",
            dedup_key=f"match:{match.pk}:proposed",
            subject=_("A visit is proposed to you: %(mission)s"),
            message=_(
                "The association proposes that you visit %(person)s (%(mission)s). "
                "Please accept or decline it in Liens."
            ),
            params=who(match),
            link=site_link("volunteers:mission_detail", mission.pk),
        )
    return match


def match_offer(*, mission: Mission, volunteer: Volunteer) -> Match:
    """A volunteer offers to take a mission: the match starts accepted, proposed by the
    volunteer themselves, and coordinators are told. Refused when a hard rule is broken."""
    now = timezone.now()
    with transaction.atomic():
        mission = Mission.objects.select_for_update().get(pk=mission.pk)
        lock_volunteer(volunteer)
        # The volunteer is who proposed it: staff pages say "offered by the volunteer".
        match = _create_checked(
            mission=mission, volunteer=volunteer, status=Match.Status.ACCEPTED, proposed_by=volunteer.user, now=now
        )
        match = Match.objects.select_related("mission__beneficiary", "volunteer__user").get(pk=match.pk)
        tell_staff(
            association_id=mission.association_id,
            kind="match_offered",
            dedup_key=f"match:{match.pk}:offered",
            subject=_("%(volunteer)s offers to take %(mission)s"),
            message=_("%(volunteer)s offers to visit %(person)s (%(mission)s). Plan the introduction visit."),
            params=who(match),
            link=site_link("matching:match", match.pk),
        )
    return match


def match_accept(*, match: Match, volunteer: Volunteer) -> Match:
    """The volunteer accepts a proposal; coordinators are told. Only their own, only once."""
    now = timezone.now()
    with transaction.atomic():
        match = locked(match)
        if match.volunteer_id != volunteer.pk:
            raise DomainError(_("This proposal is not yours."), code="forbidden")
        if match.status != Match.Status.PROPOSED:
            raise DomainError(_("This proposal can no longer be accepted."), code="status")
        match.status, match.responded_at = Match.Status.ACCEPTED, now
        match.save(update_fields=["status", "responded_at"])
        tell_staff(
            association_id=match.mission.association_id,
            kind="match_accepted",
            dedup_key=f"match:{match.pk}:accepted",
            subject=_("%(volunteer)s accepted %(mission)s"),
            message=_("%(volunteer)s accepted to visit %(person)s (%(mission)s). Plan the introduction visit."),
            params=who(match),
            link=site_link("matching:match", match.pk),
        )
    return match


def match_decline(*, match: Match, by, reason: str) -> Match:
    """The volunteer declines, or a coordinator withdraws, a proposal not yet active; who, when
    and why are kept. The other side is told."""
    match_party_check(by, match)
    reason = reason_given(reason)
    now = timezone.now()
    with transaction.atomic():
        match = locked(match)
        if match.status not in (Match.Status.PROPOSED, Match.Status.ACCEPTED):
            raise DomainError(_("Only a proposal not yet started can be declined."), code="status")
        match.status, match.ended_at, match.ended_by, match.end_reason = Match.Status.DECLINED, now, by, reason
        match.responded_at = match.responded_at or now
        match.save(update_fields=["status", "ended_at", "ended_by", "end_reason", "responded_at"])
        tell_the_other_side(
            match=match,
            by=by,
            params={**who(match), "reason": reason},
            to_staff=Message(
                "match_declined",
                f"match:{match.pk}:declined",
                _("%(volunteer)s declined %(mission)s"),
                _("%(volunteer)s declined to visit %(person)s: %(reason)s. Other volunteers are suggested."),
                site_link("matching:suggestions", match.mission_id),
            ),
            to_volunteer=Message(
                "match_withdrawn",
                f"match:{match.pk}:withdrawn",
                _("Proposal withdrawn: %(mission)s"),
                _("The association withdrew its proposal to visit %(person)s: %(reason)s."),
            ),
        )
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


# --- stand-ins ------------------------------------------------------------------------------------


def _stand_in_propose(
    *, regular: Match, slot, cover_until: datetime.date, now: datetime.datetime, why: str
) -> Match | None:
    """Propose the best stand-in for `regular` (someone who knows the person first)."""
    mission = Mission.objects.select_for_update().get(pk=regular.mission_id)
    suggestion = stand_in_suggestion(mission=mission, slot=slot, away=1, exclude_volunteer_ids=[regular.volunteer_id])
    if suggestion is None:
        return None
    lock_volunteer(suggestion.volunteer)
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
    params = {**who(match), "regular": who(regular)["volunteer"], "until": cover_until.isoformat()}
    tell_staff(
        association_id=mission.association_id,
        kind="match_cover_proposed",
        dedup_key=f"match:{match.pk}:cover",
        subject=_("A stand-in is proposed for %(mission)s"),
        message=_("%(regular)s is away until %(until)s: %(volunteer)s is proposed to visit %(person)s meanwhile.")
        if why == "pause"
        else _("A visit of %(regular)s was cancelled: %(volunteer)s is proposed to visit %(person)s instead."),
        params=params,
        link=site_link("matching:match", match.pk),
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
                (
                    mission_id,
                    volunteer_id,
                    Match.Status.PROPOSED.value,
                    float(plan.scores[i]),
                    {name: round(float(plan.parts[name][i]), 4) for name in plan.parts},
                )
            )
        # Proposed by nobody (proposed_by stays empty). By COPY: a territory's thousands of
        # proposals as model instances took longer to write than to solve.
        rows_copy(Match, ("mission_id", "volunteer_id", "status", "score", "score_parts"), rows)
        stamp = now.strftime("%Y%m%d%H%M%S")
        for association_id, count in per_association.items():
            tell_staff(
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
                link=site_link("matching:proposals"),
            )
    logger.info("batch proposals: %d written for %d missions", len(rows), len(covered))
    return BatchResult(
        proposed=len(rows),
        missions_covered=len(covered),
        total_score=float(sum(row[3] for row in rows)),
        candidate_pairs=len(p),
        missions=len(locked),
    )
