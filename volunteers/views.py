"""The volunteer's own pages: profile wizard, vetting, calendar address, pause and leave. Thin:
fetch (404 on anything not theirs), validate, call one service, redirect. Every action is a
plain POST form.

The volunteer's home, missions, visits and reports are about missions: missions.volunteer
serves them under the same /volunteer/ URLs and the same "volunteers" namespace."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from liens.scopes import scopes_disabled_for_request

from . import forms, selectors, services
from .destination import destination_pop
from .models import Volunteer


def volunteer_required(view):
    """Signed in, with a volunteer profile still in the programme; passes it as `volunteer`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        volunteer = selectors.volunteer_for_user(request.user)
        if volunteer is None:
            raise Http404
        # The volunteer's scope: their pages read the associations' rows only through their own
        # matches, visits and reports (selected by volunteer) and the catalogue of open missions,
        # across every association they work with, so no staff scope applies (liens.scopes).
        scopes_disabled_for_request("a volunteer's pages read only their own matches and open missions")
        return view(request, volunteer, *args, **kwargs)

    return wrapper


# --- profile wizard, vetting ------------------------------------------------------------------


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
    by_email, by_sms = selectors.notification_ways(user)
    initial = {
        "notify_email": by_email,
        "notify_sms": by_sms,
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
            form_apply_domain_error(form, error)
        else:
            volunteer.refresh_from_db()
            next_step = selectors.profile_next_step(volunteer)
            if next_step:
                messages.success(request, _("Saved."))
                return redirect("volunteers:profile_step", step=next_step)
            if step in services.WIZARD_STEPS:
                # The end of the wizard: straight to what happens next and the missions.
                messages.success(request, _("Your profile is ready. Here is what happens next."))
                return redirect(destination_pop(request) or "volunteers:missions")
            messages.success(request, _("Saved."))
            return redirect("volunteers:profile")
    steps = selectors.profile_steps(volunteer)
    current = next(s for s in steps if s.name == step)
    total = len(services.WIZARD_STEPS)
    return render(
        request,
        "volunteers/profile_step.html",
        {
            "form": form,
            "step": current,
            "steps": steps,
            "total": total,
            "is_last": current.number == total,
            "volunteer": volunteer,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@volunteer_required
def vetting(request, volunteer: Volunteer):
    return render(request, "volunteers/vetting.html", {"volunteer": volunteer, **selectors.vetting_summary(volunteer)})


# --- calendar address ---------------------------------------------------------------------------


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


# --- pause and leave ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@volunteer_required
def pause(request, volunteer: Volunteer):
    form = forms.PauseForm(request.POST or None, initial={"until": volunteer.paused_until})
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_pause(volunteer=volunteer, **form.cleaned_data)
        except DomainError as error:
            form_apply_domain_error(form, error)
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
