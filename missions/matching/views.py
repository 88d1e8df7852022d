"""Coordinator pages of the matching engine. Each view fetches through missions.scoping (other
associations' missions and matches answer 404), validates a small form, calls one service and
redirects; refusals come back as messages or form errors in the user's language."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from missions.conversations.selectors import unread_counts
from missions.conversations.views import conversation_block
from missions.models import Association, Match, Message, Mission
from missions.scoping import association_ids_for, get_scoped_or_404, outreach_refusal, scoped, staff_required

from . import forms, life, reviews, selectors, services
from .scoring import PART_LABELS, PART_NAMES


def _mission(request, mission_id: int) -> Mission:
    return get_scoped_or_404(Mission.objects.select_related("beneficiary", "association"), request.user, pk=mission_id)


def _match(request, match_id: int) -> Match:
    return get_scoped_or_404(
        Match.objects.select_related(
            "mission__beneficiary", "mission__association", "volunteer__user", "proposed_by", "ended_by", "covers"
        ),
        request.user,
        via="mission__association",
        pk=match_id,
    )


def _next(request, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return default


@require_GET
@login_required
@staff_required
def suggestions(request, mission_id: int):
    mission = _mission(request, mission_id)
    refusal = outreach_refusal(request.user, mission.association)
    if refusal is not None:
        # A pending association sees no volunteer; the page says why and what comes next.
        return render(
            request, "missions/matching/suggestions.html", {"mission": mission, "refusal": refusal}, status=403
        )
    return render(
        request,
        "missions/matching/suggestions.html",
        {
            "mission": mission,
            "suggestions": selectors.mission_suggestions(mission=mission, limit=20),
            "history": selectors.match_history(mission=mission)[:20],
        },
    )


@require_POST
@login_required
@staff_required
def propose(request, mission_id: int):
    mission = _mission(request, mission_id)
    back = _next(request, reverse("matching:suggestions", args=[mission.pk]))
    form = forms.ProposeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a volunteer to propose."))
        return redirect(back)
    refusal = outreach_refusal(request.user, mission.association)
    if refusal is not None:
        messages.error(request, refusal)
        return redirect(back)
    # Someone outside the coordinator's view answers exactly as an id that does not exist.
    volunteer = selectors.volunteer_to_propose(
        mission=mission, user=request.user, volunteer_id=form.cleaned_data["volunteer"]
    )
    if volunteer is None:
        messages.error(request, _("This volunteer is no longer available."))
        return redirect(back)
    try:
        match = services.match_propose(mission=mission, volunteer=volunteer, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, _("Proposed to %(name)s. They will be asked to accept.") % {"name": volunteer})
    return redirect(_next(request, reverse("matching:match", args=[match.pk])))


@require_POST
@login_required
@staff_required
def batch(request):
    """Run batch proposals now, for one association (staff) or a territory (platform admins)."""
    form = forms.BatchForm(request.POST)
    back = _next(request, reverse("matching:proposals"))
    if not form.is_valid():
        messages.error(request, _("Choose an association."))
        return redirect(back)
    association, territory = None, None
    if form.cleaned_data["association"]:
        association = get_scoped_or_404(
            Association.objects.all(), request.user, via="id", pk=form.cleaned_data["association"]
        )
    elif form.cleaned_data["territory"] and request.user.is_staff:
        territory = form.cleaned_data["territory"]
    else:
        association = scoped(Association.objects.order_by("pk"), request.user, via="id").first()
        if association is None:
            raise Http404
    try:
        result = services.proposals_batch(association=association, territory=territory)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    if result.proposed:
        messages.success(
            request,
            ngettext(
                "%(count)d proposal written for %(missions)d missions. Review them below.",
                "%(count)d proposals written for %(missions)d missions. Review them below.",
                result.proposed,
            )
            % {"count": result.proposed, "missions": result.missions_covered},
        )
    else:
        messages.info(request, _("No new proposal: no open place fits a free volunteer right now."))
    return redirect(back)


@require_GET
@login_required
@staff_required
def proposals(request):
    """Proposals waiting for a volunteer's answer or an introduction visit, newest first."""
    waiting = (
        scoped(Match.objects.all(), request.user, via="mission__association")
        .filter(Q(status=Match.Status.PROPOSED) | Q(status=Match.Status.ACCEPTED))
        .select_related(
            "mission__beneficiary", "mission__association", "volunteer__user", "proposed_by", "covers__volunteer__user"
        )
        .order_by("-proposed_at", "-pk")
    )
    page = Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("page"))
    associations = scoped(Association.objects.order_by("name"), request.user, via="id")
    if not request.user.is_staff:
        associations = associations.filter(memberships__user=request.user)
    matches = list(page.object_list)
    unread = unread_counts(user=request.user, side=Message.Side.STAFF, match_ids=[m.pk for m in matches])
    return render(
        request,
        "missions/matching/proposals.html",
        {
            "matches": matches,
            "page": page,
            "associations": list(associations.distinct()[:50]),
            "unread": unread,
        },
    )


# Staff lists show about a phone screenful or two of items per page.
PAGE_SIZE = 20


ACTIONS = {
    "introduce": (forms.DayForm, life.match_introduce, "on"),
    "activate": (None, life.match_activate, None),
    "pause": (forms.ReasonForm, life.match_pause, "reason"),
    "end": (forms.ReasonForm, life.match_end, "reason"),
    "decline": (forms.ReasonForm, services.match_decline, "reason"),
    "review": (forms.DayForm, life.match_review, "on"),
}

DONE = {
    "introduce": gettext_lazy("Introduction visit recorded."),
    "activate": gettext_lazy("The match is active. Visits will be scheduled."),
    "pause": gettext_lazy("The match is paused."),
    "end": gettext_lazy("The match has ended. Here are other volunteers for this mission."),
    "decline": gettext_lazy("The proposal is withdrawn."),
    "review": gettext_lazy("Review recorded."),
}


def _action_forms(bound: dict | None = None) -> dict:
    bound = bound or {}
    return {name: bound.get(name) or form() for name, (form, _service, _field) in ACTIONS.items() if form}


def _match_page(request, match: Match, *, bound: dict | None = None, status: int = 200):
    return render(
        request,
        "missions/matching/match.html",
        {
            "match": match,
            "forms": _action_forms(bound),
            "stand_ins": match.cover_matches.select_related("volunteer__user").order_by("-proposed_at")[:10],
            "conversation_block": conversation_block(
                request, match, post_url=reverse("matching:conversation", args=[match.pk])
            ),
            "score_parts": [
                (PART_LABELS[name], round(100 * float(match.score_parts[name])))
                for name in PART_NAMES
                if name in (match.score_parts or {})
            ],
        },
        status=status,
    )


@require_GET
@login_required
@staff_required
def match_detail(request, match_id: int):
    return _match_page(request, _match(request, match_id))


@require_http_methods(["POST"])
@login_required
@staff_required
def match_action(request, match_id: int, action: str):
    match = _match(request, match_id)
    if action not in ACTIONS:
        raise Http404
    form_class, service, field = ACTIONS[action]
    form = form_class(request.POST, prefix=None) if form_class else None
    if form is not None and not form.is_valid():
        return _match_page(request, match, bound={action: form}, status=400)
    arguments = {field: form.cleaned_data[field]} if form is not None else {}
    try:
        service(match=match, by=request.user, **arguments)
    except DomainError as error:
        if form is None:
            messages.error(request, error.message)
            return redirect("matching:match", match.pk)
        form_apply_domain_error(form, error)
        return _match_page(request, match, bound={action: form}, status=400)
    messages.success(request, str(DONE[action]))
    if action == "end":
        # The rematch is offered at once: fresh suggestions for the same mission.
        return redirect("matching:suggestions", match.mission_id)
    return redirect("matching:match", match.pk)


@require_GET
@login_required
@staff_required
def reviews_page(request):
    ids = association_ids_for(request.user)
    due = reviews.reviews_due(association_ids=ids, within_days=30).only(*reviews.MATCH_ROW_FIELDS)[:200]
    return render(request, "missions/matching/reviews.html", {"reviews_due": list(due)})
