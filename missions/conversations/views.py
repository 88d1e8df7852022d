"""The conversation of a match on both sides: the volunteer's page under /volunteer/ and the
staff's under /matching/, each also included as a partial (_conversation.html) in the match's
own page, and swapped in place by htmx when a message is sent. Thin: fetch (404 for anyone
outside the conversation), validate, call one service; every form works as a plain POST."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from missions.models import Match
from missions.permissions import conversation_side
from missions.scoping import get_scoped_or_404, staff_required
from missions.volunteer import selectors as volunteer_selectors
from volunteers.models import Volunteer
from volunteers.views import volunteer_required

from . import forms, selectors, services

PARTIAL = "missions/conversations/_conversation.html"


def conversation_block(request, match: Match, *, form=None, post_url: str, back: str = "") -> dict | None:
    """The partial's context for the signed-in user on this match, None when they are not in
    the conversation (a platform admin on a staff page). Marks what it shows as read."""
    side = conversation_side(request.user, match)
    if side is None:
        return None
    conversation = selectors.conversation_for(match=match, user=request.user, side=side)
    if conversation.last_id > conversation.read_up_to:
        services.conversation_read(match=match, by=request.user, up_to=conversation.last_id)
    return {
        # What was unread before this page, for a badge above the fold ({match id: count}).
        "unread": {match.pk: conversation.unread},
        "conversation": conversation,
        "form": form or forms.MessageForm(),
        "post_url": post_url,
        "back": back or request.get_full_path(),
    }


def _back(request, default: str) -> str:
    wanted = request.POST.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return default


def _conversation_view(request, match: Match, *, page: str, post_url: str, page_url: str, extra: dict):
    """GET: the conversation page. POST: send a message, then back where it was sent from (or
    the partial again, in place, for htmx); a refusal comes back as the field's error."""
    if conversation_side(request.user, match) is None:
        raise Http404
    in_place = bool(request.headers.get("HX-Request"))
    form = None
    if request.method == "POST":
        form = forms.MessageForm(request.POST)
        if form.is_valid():
            try:
                services.message_post(match=match, by=request.user, body=form.cleaned_data["body"])
            except DomainError as error:
                form_apply_domain_error(form, error)
            else:
                if in_place:
                    form = None
                else:
                    return redirect(_back(request, page_url) + "#conversation")
    back = _back(request, page_url) if request.method == "POST" else request.get_full_path()
    context = {**extra, **conversation_block(request, match, form=form, post_url=post_url, back=back)}
    status = 400 if form is not None and form.errors else 200
    if in_place:
        # htmx 2 swaps no 4xx answer: a refused message comes back as a 200 partial whose field
        # says what is wrong, so what was typed stays in the box with its error.
        return render(request, PARTIAL, context)
    return render(request, page, context, status=status)


@require_http_methods(["GET", "POST"])
@never_cache
@volunteer_required
def volunteer_conversation(request, volunteer: Volunteer, match_id: int):
    match = volunteer_selectors.match_for_volunteer_or_404(volunteer, match_id)
    url = reverse("volunteers:conversation", args=[match.pk])
    return _conversation_view(
        request,
        match,
        page="missions/conversations/volunteer.html",
        post_url=url,
        page_url=url,
        extra={"match": match, "card": volunteer_selectors.mission_card(match.mission, volunteer)},
    )


def staff_match_or_404(request, match_id: int) -> Match:
    return get_scoped_or_404(
        Match.objects.select_related("mission__beneficiary", "mission__association", "volunteer__user"),
        request.user,
        via="mission__association",
        pk=match_id,
    )


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
@staff_required
def staff_conversation(request, match_id: int):
    match = staff_match_or_404(request, match_id)
    return _conversation_view(
        request,
        match,
        page="missions/conversations/staff.html",
        post_url=reverse("matching:conversation", args=[match.pk]),
        page_url=reverse("matching:match", args=[match.pk]),
        extra={"match": match},
    )
