"""The volunteer's home, missions, matches, visits, reports and calendar feed, under /volunteer/
next to their profile pages (volunteers.views). Thin: fetch (404 on anything not theirs),
validate, call one service, redirect. Every action is a plain POST form."""

import datetime
import zoneinfo
from collections.abc import Iterable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotFound, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liens.accounts.policy import mfa_setup_pending
from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from liens.lib.compiled import together
from liens.pwa import install_hint_dismissed, offline_key, offline_page_mark
from liens.scopes import view_scopes_disabled
from missions.conversations.selectors import volunteer_unread_conversations_reading
from missions.conversations.views import conversation_block
from missions.matching import services as matching
from missions.reports import visit_report_submit
from missions.visits import services as visit_services
from volunteers.models import Volunteer
from volunteers.selectors import profile_next_step, profile_steps_left, vetting_timeline, volunteer_for_user
from volunteers.views import volunteer_required

from . import forms, selectors, services
from .ics import calendar_render

# --- the phone's offline copies -------------------------------------------------------------


def offline_page(view):
    """Lets the phone keep this page offline when it is on the volunteer's list
    (selectors.offline_pages); any other answer tells the service worker to drop its copy."""

    @wraps(view)
    def wrapper(request, volunteer: Volunteer, *args, **kwargs):
        response = view(request, volunteer, *args, **kwargs)
        if response.status_code == 200 and selectors.offline_page_kept(volunteer, request.path, now=timezone.now()):
            offline_page_mark(response, request.user)
        return response

    return wrapper


@require_GET
@never_cache
@view_scopes_disabled("a volunteer's offline list reads only their own visits and matches")
def offline_list(request):
    """The pages this phone may keep (JSON): whose they are and their paths. The service worker
    asks at each page opened online and drops every other copy, so a page whose right has
    ended (match ended, signed out, left) leaves the phone even if it is never opened again."""
    volunteer = volunteer_for_user(request.user)
    pages = []
    # Until two-factor authentication is set up, the role's pages are closed (liens.accounts).
    if volunteer is not None and not mfa_setup_pending(request.user):
        pages = selectors.offline_pages(volunteer, now=timezone.now())
    return JsonResponse({"user": offline_key(request.user), "pages": pages})


def _install_hint(request, volunteer: Volunteer, *, seen: Iterable[str] = ()) -> bool:
    return not install_hint_dismissed(request) and selectors.install_hint_due(volunteer, seen=seen)


# --- home -------------------------------------------------------------------------------------


@require_GET
@volunteer_required
@offline_page
def home(request, volunteer: Volunteer):
    visits, unread = together(
        selectors.visit_lists_reading(volunteer, to_report=5, upcoming=3),
        volunteer_unread_conversations_reading(volunteer),
    )
    return render(
        request,
        "missions/volunteer/home.html",
        {
            "volunteer": volunteer,
            "next_step": profile_next_step(volunteer),
            "steps_left": profile_steps_left(volunteer) or 1,
            "to_report": visits["to_report"],
            "upcoming": visits["upcoming"],
            "is_paused": volunteer.is_paused(timezone.localdate()),
            "install_hint": _install_hint(
                request, volunteer, seen=[item.visit.match.status for items in visits.values() for item in items]
            ),
            "unread_conversations": unread,
        },
    )


# --- missions and matches ---------------------------------------------------------------------


@require_GET
@volunteer_required
def missions(request, volunteer: Volunteer):
    page = selectors.missions_page(volunteer)
    matches, cards = page.matches, page.recommendations
    pending = volunteer.vetting_state == Volunteer.Vetting.PENDING
    return render(
        request,
        "missions/volunteer/missions.html",
        {
            "volunteer": volunteer,
            "proposed": [m for m in matches if m.match.status == "proposed"],
            "mine": [m for m in matches if m.match.status != "proposed"],
            "cards": [card for card in cards if not card.needs_approval],
            "once_vetted": [card for card in cards if card.needs_approval],
            "pending": pending,
            "timeline": vetting_timeline(volunteer) if pending else [],
            "next_step": profile_next_step(volunteer),
            "install_hint": _install_hint(request, volunteer, seen=[item.match.status for item in matches]),
            "unread": page.unread,  # the badges of the matches listed
        },
    )


@require_GET
@volunteer_required
@never_cache
@offline_page
def mission_detail(request, volunteer: Volunteer, mission_id: int):
    mission = selectors.mission_for_volunteer_or_404(volunteer, mission_id)
    match = selectors.live_match_for_mission(volunteer, mission)
    contact = services.beneficiary_contact_reveal(match=match, volunteer=volunteer) if match else None
    block = None
    if match is not None:
        block = conversation_block(request, match, post_url=reverse("volunteers:conversation", args=[match.pk]))
    return render(
        request,
        "missions/volunteer/mission_detail.html",
        {
            "card": selectors.mission_card(mission, volunteer),
            "match": match,
            "contact": contact,
            "mission": mission,
            "conversation_block": block,
        },
    )


@require_POST
@volunteer_required
def mission_offer(request, volunteer: Volunteer, mission_id: int):
    mission = selectors.mission_for_volunteer_or_404(volunteer, mission_id)
    try:
        matching.match_offer(mission=mission, volunteer=volunteer)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you! The association will get in touch to introduce you."))
    return redirect("volunteers:missions")


@require_POST
@volunteer_required
def match_accept(request, volunteer: Volunteer, match_id: int):
    match = selectors.match_for_volunteer_or_404(volunteer, match_id)
    try:
        matching.match_accept(match=match, volunteer=volunteer)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You accepted. The association will arrange a first visit together."))
    return redirect("volunteers:missions")


@require_http_methods(["GET", "POST"])
@volunteer_required
def match_decline(request, volunteer: Volunteer, match_id: int):
    match = selectors.match_for_volunteer_or_404(volunteer, match_id)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            matching.match_decline(match=match, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form_apply_domain_error(form, error)
        else:
            messages.success(request, _("Noted. Thank you for telling us."))
            return redirect("volunteers:missions")
    return render(
        request,
        "missions/volunteer/match_decline.html",
        {"form": form, "card": selectors.mission_card(match.mission, volunteer), "match": match},
        status=400 if request.method == "POST" else 200,
    )


# --- visits -----------------------------------------------------------------------------------


@require_GET
@volunteer_required
@offline_page
def visits(request, volunteer: Volunteer):
    return render(
        request,
        "missions/volunteer/visits.html",
        selectors.visits_page(volunteer),
    )


def _changeable_visit(volunteer: Volunteer, visit_id: int):
    visit = selectors.visit_for_volunteer_or_404(volunteer, visit_id)
    item = selectors.visit_item(visit, volunteer, timezone.now())
    return visit, item


@require_http_methods(["GET", "POST"])
@volunteer_required
def visit_cancel(request, volunteer: Volunteer, visit_id: int):
    visit, item = _changeable_visit(volunteer, visit_id)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not item.can_change:
            form.add_error(None, _("This visit can no longer be changed."))
        else:
            try:
                visit_services.visit_cancel(visit=visit, by=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                form_apply_domain_error(form, error)
            else:
                messages.success(request, _("Visit cancelled. The coordinator has been told."))
                return redirect("volunteers:visits")
    return render(
        request,
        "missions/volunteer/visit_change.html",
        {"form": form, "item": item, "action": "cancel"},
        status=400 if request.method == "POST" else 200,
    )


def _local_moment(visit, date: datetime.date, time: datetime.time) -> datetime.datetime:
    zone = zoneinfo.ZoneInfo(visit.match.mission.association.timezone)
    return datetime.datetime.combine(date, time, tzinfo=zone)


@require_http_methods(["GET", "POST"])
@volunteer_required
def visit_move(request, volunteer: Volunteer, visit_id: int):
    visit, item = _changeable_visit(volunteer, visit_id)
    zone = zoneinfo.ZoneInfo(visit.match.mission.association.timezone)
    local = timezone.localtime(visit.starts_at, zone)
    form = forms.MoveVisitForm(request.POST or None, initial={"date": local.date(), "time": local.time()})
    if request.method == "POST" and form.is_valid():
        starts_at = _local_moment(visit, form.cleaned_data["date"], form.cleaned_data["time"])
        if not item.can_change:
            form.add_error(None, _("This visit can no longer be changed."))
        elif starts_at <= timezone.now():
            form.add_error("date", _("Choose a moment in the future."))
        else:
            try:
                visit_services.visit_move(
                    visit=visit, by=request.user, starts_at=starts_at, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                # The form splits the moment into a date and a time: show it under the date.
                error.field = "date" if error.field == "starts_at" else error.field
                form_apply_domain_error(form, error)
            else:
                messages.success(request, _("Visit moved. The coordinator has been told."))
                return redirect("volunteers:visits")
    return render(
        request,
        "missions/volunteer/visit_change.html",
        {"form": form, "item": item, "action": "move"},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@volunteer_required
@offline_page
def visit_report(request, volunteer: Volunteer, visit_id: int):
    visit = selectors.visit_for_volunteer_or_404(volunteer, visit_id, listed=True)
    if getattr(visit, "report", None) is not None:
        if request.method == "POST":
            messages.info(request, _("This visit has already been reported. Thank you!"))
        return redirect("volunteers:report_done", visit_id=visit.pk)
    form = forms.ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit_report_submit(
                visit=visit,
                volunteer=volunteer,
                happened=data["happened"],
                mood=data["mood"],
                concerns=data["concerns"],
                notes=data["notes"],
                duration_minutes=data["duration_minutes"],
            )
        except DomainError as error:
            if error.code == "duplicate":
                messages.info(request, error.message)
                return redirect("volunteers:report_done", visit_id=visit.pk)
            form_apply_domain_error(form, error)
        else:
            return redirect("volunteers:report_done", visit_id=visit.pk)
    return render(
        request,
        "missions/volunteer/visit_report.html",
        {
            "form": form,
            "item": selectors.visit_item(visit, volunteer, timezone.now()),
            # Shown at once when an urgent concern is ticked with no network (pwa.js).
            "emergency_numbers": settings.LIENS_EMERGENCY_NUMBERS,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@volunteer_required
def report_done(request, volunteer: Volunteer, visit_id: int):
    visit = selectors.visit_for_volunteer_or_404(volunteer, visit_id)
    report = getattr(visit, "report", None)
    if report is None:
        return redirect("volunteers:visit_report", visit_id=visit.pk)
    return render(
        request,
        "missions/volunteer/report_done.html",
        {
            "visit": visit,
            "report": report,
            "urgent": bool(report.urgent_concerns),
            "emergency_numbers": settings.LIENS_EMERGENCY_NUMBERS,
            "card": selectors.mission_card(visit.match.mission, volunteer),
        },
    )


# --- calendar feed ------------------------------------------------------------------------------


@require_GET
@never_cache
# No sign-in and no scope: the secret token names one volunteer, and the feed lists only their visits.
@view_scopes_disabled("the calendar token names one volunteer; the feed lists only their own visits")
def calendar_feed(request, token: str):
    """The ICS feed at the secret URL; no sign-in (phone calendars cannot), 404 for a bad token."""
    volunteer = Volunteer.objects.select_related("user").filter(calendar_token=token, left_at__isnull=True).first()
    if volunteer is None:
        # Calendar apps show this text when a subscription breaks (after a reset, say).
        message = _("This calendar address no longer works. Open Liens, My calendar, to get the new one.")
        return HttpResponseNotFound(message, content_type="text/plain; charset=utf-8")
    body = calendar_render(volunteer, host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="liens.ics"'
    return response
