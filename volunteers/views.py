"""The volunteer's pages. Thin: fetch (404 on anything not theirs), validate, call one service,
redirect. Every action is a plain POST form.

The matching, visits and reports services belong to the missions app, which depends on this
one; they are imported inside the views that call them so that loading `volunteers` does not
pull in those services (and the numerical matching stack) at import time."""

import datetime
import zoneinfo
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liens.errors import DomainError
from missions.matching import services as matching
from missions.reports import visit_report_submit
from missions.visits import services as visit_services

from . import forms, selectors, services
from .ics import calendar_render
from .models import Volunteer


def volunteer_required(view):
    """Signed in, with a volunteer profile still in the programme; passes it as `volunteer`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        volunteer = selectors.volunteer_for_user(request.user)
        if volunteer is None:
            raise Http404
        return view(request, volunteer, *args, **kwargs)

    return wrapper


# --- home, profile wizard, vetting ------------------------------------------------------------


@require_GET
@volunteer_required
def home(request, volunteer: Volunteer):
    steps = selectors.profile_steps(volunteer)
    return render(
        request,
        "volunteers/home.html",
        {
            "volunteer": volunteer,
            "next_step": selectors.profile_next_step(volunteer),
            "steps_left": len([step for step in steps if not step.done]),
            "to_report": selectors.visits_to_report(volunteer, limit=5),
            "upcoming": selectors.visits_upcoming(volunteer, limit=3),
            "is_paused": volunteer.is_paused(timezone.localdate()),
        },
    )


@require_GET
@volunteer_required
def profile(request, volunteer: Volunteer):
    return render(
        request,
        "volunteers/profile.html",
        {
            "volunteer": volunteer,
            "steps": selectors.profile_steps(volunteer),
            "next_step": selectors.profile_next_step(volunteer),
        },
    )


def _step_form(step: str, volunteer: Volunteer, data=None):
    user = volunteer.user
    if step == "availability":
        return forms.AvailabilityForm(data, cells=selectors.availability_grid(volunteer))
    if step == "place":
        initial = {
            "address": volunteer.address,
            "postcode": volunteer.postcode,
            "travel_radius_km": volunteer.travel_radius_km,
        }
        return forms.PlaceForm(data, initial=initial)
    if step == "interests":
        return forms.InterestsForm(
            data, initial={"interests": volunteer.interests, "languages": volunteer.languages or ["fr"]}
        )
    if step == "kinds":
        initial = {"visit_kinds": volunteer.visit_kinds, "max_commitments": volunteer.max_commitments}
        return forms.KindsForm(data, initial=initial)
    if step == "charter":
        accepted = volunteer.charter_accepted_at is not None
        return forms.CharterForm(
            data, initial={"charter": accepted, "data_consent": volunteer.data_consent_at is not None}
        )
    initial = {
        "notify_email": volunteer.notify_email,
        "notify_sms": volunteer.notify_sms,
        "phone": user.phone,
        "quiet_from": volunteer.quiet_from,
        "quiet_until": volunteer.quiet_until,
    }
    return forms.NotificationsForm(data, initial=initial)


def _step_save(step: str, volunteer: Volunteer, form) -> None:
    data = form.cleaned_data
    if step == "availability":
        services.availability_set(volunteer=volunteer, ranges=form.ranges())
    elif step == "place":
        services.volunteer_place_set(
            volunteer=volunteer,
            postcode=data["postcode"],
            address=data["address"],
            travel_radius_km=data["travel_radius_km"],
        )
    elif step == "interests":
        services.volunteer_interests_set(volunteer=volunteer, interests=data["interests"], languages=data["languages"])
    elif step == "kinds":
        services.volunteer_kinds_set(
            volunteer=volunteer, visit_kinds=data["visit_kinds"], max_commitments=data["max_commitments"]
        )
    elif step == "charter":
        services.volunteer_charter_accept(
            volunteer=volunteer, charter=data["charter"], data_consent=data["data_consent"]
        )
    else:
        services.volunteer_notifications_set(volunteer=volunteer, **data)


@require_http_methods(["GET", "POST"])
@volunteer_required
def profile_step(request, volunteer: Volunteer, step: str):
    if step not in services.PROFILE_STEPS:
        raise Http404
    form = _step_form(step, volunteer, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            _step_save(step, volunteer, form)
        except DomainError as error:
            forms.form_add_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            volunteer.refresh_from_db()
            next_step = selectors.profile_next_step(volunteer)
            if next_step:
                return redirect("volunteers:profile_step", step=next_step)
            return redirect("volunteers:profile")
    steps = selectors.profile_steps(volunteer)
    current = next(s for s in steps if s.name == step)
    return render(
        request,
        "volunteers/profile_step.html",
        {"form": form, "step": current, "steps": steps, "total": len(steps), "volunteer": volunteer},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@volunteer_required
def vetting(request, volunteer: Volunteer):
    return render(request, "volunteers/vetting.html", {"volunteer": volunteer, **selectors.vetting_summary(volunteer)})


# --- missions and matches ---------------------------------------------------------------------


@require_GET
@volunteer_required
def missions(request, volunteer: Volunteer):
    matches = selectors.volunteer_matches(volunteer)
    taken = {item.card.mission_id for item in matches}
    cards = [card for card in selectors.mission_recommendations(volunteer) if card.mission_id not in taken]
    return render(
        request,
        "volunteers/missions.html",
        {
            "volunteer": volunteer,
            "proposed": [m for m in matches if m.match.status == "proposed"],
            "mine": [m for m in matches if m.match.status != "proposed"],
            "cards": cards,
            "profile_incomplete": selectors.profile_next_step(volunteer) is not None,
        },
    )


@require_GET
@volunteer_required
@never_cache
def mission_detail(request, volunteer: Volunteer, mission_id: int):
    mission = selectors.mission_for_volunteer_or_404(volunteer, mission_id)
    match = selectors.live_match_for_mission(volunteer, mission)
    contact = services.beneficiary_contact_reveal(match=match, volunteer=volunteer) if match else None
    return render(
        request,
        "volunteers/mission_detail.html",
        {"card": selectors.mission_card(mission, volunteer), "match": match, "contact": contact, "mission": mission},
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
            forms.form_add_domain_error(form, error)
        else:
            messages.success(request, _("Noted. Thank you for telling us."))
            return redirect("volunteers:missions")
    return render(
        request,
        "volunteers/match_decline.html",
        {"form": form, "card": selectors.mission_card(match.mission, volunteer), "match": match},
        status=400 if request.method == "POST" else 200,
    )


# --- visits -----------------------------------------------------------------------------------


@require_GET
@volunteer_required
def visits(request, volunteer: Volunteer):
    return render(
        request,
        "volunteers/visits.html",
        {
            "to_report": selectors.visits_to_report(volunteer),
            "upcoming": selectors.visits_upcoming(volunteer),
            "past": selectors.visits_past(volunteer),
            "hours": selectors.volunteer_hours(volunteer),
        },
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
                forms.form_add_domain_error(form, error)
            else:
                messages.success(request, _("Visit cancelled. The coordinator has been told."))
                return redirect("volunteers:visits")
    return render(
        request,
        "volunteers/visit_change.html",
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
                forms.form_add_domain_error(form, error)
            else:
                messages.success(request, _("Visit moved. The coordinator has been told."))
                return redirect("volunteers:visits")
    return render(
        request,
        "volunteers/visit_change.html",
        {"form": form, "item": item, "action": "move"},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@volunteer_required
def visit_report(request, volunteer: Volunteer, visit_id: int):
    visit = selectors.visit_for_volunteer_or_404(volunteer, visit_id)
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
            forms.form_add_domain_error(form, error)
        else:
            return redirect("volunteers:report_done", visit_id=visit.pk)
    return render(
        request,
        "volunteers/visit_report.html",
        {"form": form, "item": selectors.visit_item(visit, volunteer, timezone.now())},
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
        "volunteers/report_done.html",
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
@volunteer_required
def calendar(request, volunteer: Volunteer):
    path = reverse("volunteers:calendar_feed", kwargs={"token": volunteer.calendar_token})
    url = request.build_absolute_uri(path)
    return render(
        request,
        "volunteers/calendar.html",
        {"feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]},
    )


@require_POST
@volunteer_required
def calendar_reset(request, volunteer: Volunteer):
    services.calendar_token_reset(volunteer=volunteer)
    messages.success(request, _("New calendar address created. The old one no longer works."))
    return redirect("volunteers:calendar")


@require_GET
@never_cache
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


# --- pause and leave ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@volunteer_required
def pause(request, volunteer: Volunteer):
    form = forms.PauseForm(request.POST or None, initial={"until": volunteer.paused_until})
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_pause(volunteer=volunteer, **form.cleaned_data)
        except DomainError as error:
            forms.form_add_domain_error(form, error)
        else:
            messages.success(request, _("You are on pause. Take care, and see you soon!"))
            return redirect("volunteers:home")
    return render(
        request,
        "volunteers/pause.html",
        {"form": form, "volunteer": volunteer, "is_paused": volunteer.is_paused(timezone.localdate())},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@volunteer_required
def resume(request, volunteer: Volunteer):
    services.volunteer_resume(volunteer=volunteer)
    messages.success(request, _("Welcome back! Your pause is over."))
    return redirect("volunteers:home")


@require_http_methods(["GET", "POST"])
@volunteer_required
def leave(request, volunteer: Volunteer):
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm that you want to leave."))
            return render(request, "volunteers/leave.html", status=400)
        services.volunteer_leave(volunteer=volunteer)
        logout(request)
        messages.success(
            request, _("You have left Liens and your personal data has been erased. Thank you for everything.")
        )
        return redirect("home")
    return render(request, "volunteers/leave.html")
