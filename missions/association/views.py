"""Pages of the association side. Each view fetches through missions.scoping (anything outside
the user's associations answers 404), checks input with a form, calls one service, redirects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liens.choices import VisitKind
from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from liens.lib import pages
from liens.lib.compiled import together
from liens.scopes import view_scopes_disabled
from missions.conversations.selectors import unread_counts
from missions.matching.reviews import reviews_due_soon_reading
from missions.models import ImportJob, Match, Membership, Message, Mission
from missions.outcomes import selectors as outcome_selectors
from missions.referrals import selectors as referral_selectors
from missions.scoping import (
    ASSOCIATION_SESSION_KEY,
    associations_for,
    current_association,
    get_scoped_or_404,
    is_staff_of,
    outreach_refusal,
    scoped,
    staff_required,
    staff_view,
    switchable_associations,
    vetting_refusal,
    volunteers_visible,
)
from volunteers.vetting import STEP_LABELS

from . import forms, importing, selectors, services, tasks
from . import imports as import_services
from . import missions as mission_services

# Where the staff pages remember the association they work on.
SESSION_KEY = ASSOCIATION_SESSION_KEY


def manager_only(request) -> None:
    """Same-association coordinators may know the page exists: a plain 403 for them."""
    if not is_staff_of(request.user, request.association.pk, role=Membership.Role.MANAGER) and not (
        request.user.is_staff
    ):
        raise PermissionDenied


def _own(model, request, pk, *, via="association", **extra):
    return get_scoped_or_404(model.objects.all(), request.user, via=via, pk=pk, **extra)


# Staff lists show about a phone screenful or two of items per page.
PAGE_SIZE = 20


def list_page(request, rows):
    """A page of a staff list, and its filters for the pager (liens.lib.pages.list_page)."""
    return pages.list_page(request, rows, size=PAGE_SIZE)


def back_to(request, default: str, *, anchor: str = "") -> str:
    """Where a one-tap action returns: the list page it was tapped on (the form's `next`, a
    path on this site only), else `default`; with `#anchor`, at the item it acted on."""
    wanted = pages.local_path(request.POST.get("next"))
    if wanted is None:
        wanted = reverse(default) if ":" in default else default
    wanted = wanted.split("#", 1)[0]
    return f"{wanted}#{anchor}" if anchor else wanted


# --- home -----------------------------------------------------------------------------------


@require_GET
@staff_view
def home(request):
    association = request.association
    if association.is_home_care:
        # A home-care service's staff work from the lien-social pages: its month for a
        # manager, the sessions to record for a professional (missions.liensocial).
        manages = is_staff_of(request.user, association.pk, role=Membership.Role.MANAGER)
        return redirect("liensocial:manager" if manages else "liensocial:home")
    # The home's reads do not depend on one another: sent together (liens.lib.compiled.together).
    attention, referrals, reassessments, reviews_due = together(
        selectors.association_attention_reading(association=association, user=request.user),
        referral_selectors.referral_counts_reading(association=association),
        outcome_selectors.reassessment_board_reading(association=association),
        reviews_due_soon_reading([association.pk]),
    )
    context = {
        "association": association,
        "attention": attention,
        "alert_counts": attention.alerts_by_severity,
        "visits_late": attention.late_visits,
        "referrals": referrals,
        "my_associations": switchable_associations(request.user),
        "reassessments": reassessments,
        "reviews_due": reviews_due,
    }
    return render(request, "missions/association/home.html", context)


# --- onboarding -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@view_scopes_disabled("registering a new association: its signer has no scope over it until it exists")
def signup(request):
    form = forms.AssociationSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            association = services.association_signup(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            request.session[SESSION_KEY] = association.pk
            messages.success(
                request,
                _("Your association is registered. A platform admin will validate it; meanwhile you can prepare."),
            )
            return redirect("association:home")
    return render(request, "missions/association/signup.html", {"form": form})


def _platform_admin(request) -> None:
    if not (request.user.is_authenticated and request.user.is_staff):
        raise Http404


@require_GET
@login_required
@staff_required  # a platform admin's scope is every association; anyone else: 404 below
def admin_pending(request):
    _platform_admin(request)
    rows = selectors.associations_awaiting_validation()
    return render(request, "missions/association/admin_pending.html", {"associations": rows})


@require_POST
@login_required
@staff_required  # a platform admin's scope is every association; anyone else: 404 below
def admin_validate(request, association_id: int):
    _platform_admin(request)
    association = get_scoped_or_404(associations_for(request.user), request.user, via="id", pk=association_id)
    services.association_validate(association=association, by=request.user)
    messages.success(request, _("%(name)s is validated.") % {"name": association.name})
    return redirect("association:admin-pending")


@require_http_methods(["GET", "POST"])
@staff_view
def settings_page(request):
    manager_only(request)
    association = request.association
    form = forms.AssociationSettingsForm(
        request.POST or None,
        initial={
            "default_contact_target_days": association.default_contact_target_days,
            "default_contact_grace_days": association.default_contact_grace_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.association_settings_update(association=association, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("association:settings")
    return render(request, "missions/association/settings.html", {"association": association, "form": form})


@require_POST
@login_required
def switch(request):
    association = current_association(request.user, request.POST.get("association"))
    request.session[SESSION_KEY] = association.pk
    return redirect("association:home")


# --- missions -------------------------------------------------------------------------------


@require_GET
@staff_view
def mission_list(request):
    q, status, kind = request.GET.get("q", "").strip(), request.GET.get("status", ""), request.GET.get("kind", "")
    rows = selectors.mission_rows(association=request.association, q=q, status=status, kind=kind)
    page, query = list_page(request, rows)
    context = {
        "page": page,
        # Where each row's forms come back to: this page, worked out once, not per form.
        "back": request.get_full_path(),
        "query": query,
        "q": q,
        "status": status,
        "kind": kind,
        "statuses": Mission.Status.choices,
        "kinds": VisitKind.choices,
    }
    template = "_mission_list.html" if request.headers.get("HX-Request") else "mission_list.html"
    return render(request, f"missions/association/{template}", context)


def _mission_form_page(request, mission=None):
    association = request.association if mission is None else mission.association
    initial = forms.MissionForm.initial_from(mission) if mission else {}
    if mission is None and request.GET.get("beneficiary"):
        initial["beneficiary"] = request.GET["beneficiary"]
        initial["kind"] = "home_visit"
    form = forms.MissionForm(request.POST or None, association=association, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if mission is None:
                mission = mission_services.mission_create(
                    association=association, by=request.user, **form.service_fields()
                )
                messages.success(request, _("Mission saved as a draft: publish it when ready."))
            else:
                mission_services.mission_update(mission=mission, by=request.user, **form.service_fields())
                messages.success(request, _("Changes saved."))
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            return redirect("association:mission", mission_id=mission.pk)
    return render(request, "missions/association/mission_form.html", {"form": form, "mission": mission})


@require_http_methods(["GET", "POST"])
@staff_view
def mission_new(request):
    return _mission_form_page(request)


@require_http_methods(["GET", "POST"])
@staff_view
def mission_edit(request, mission_id: int):
    return _mission_form_page(request, _own(Mission, request, mission_id))


@require_GET
@staff_view
def mission_detail(request, mission_id: int):
    try:
        mission = (
            scoped(Mission.objects.all(), request.user)
            .select_related("association", "beneficiary", "created_by")
            .get(pk=mission_id)
        )
    except Mission.DoesNotExist as exc:
        raise Http404 from exc

    matches = list(
        mission.matches.filter(status__in=Match.LIVE)
        .select_related("volunteer__user", "proposed_by")
        .order_by("-proposed_at")
    )
    # A pending association sees no volunteer (its missions cannot be open yet either).
    reaches = outreach_refusal(request.user, mission.association) is None
    suggestions = (
        selectors.mission_suggestions(mission=mission) if reaches and mission.status == Mission.Status.OPEN else []
    )
    return render(
        request,
        "missions/association/mission_detail.html",
        {
            "mission": mission,
            "matches": matches,
            "unread": unread_counts(user=request.user, side=Message.Side.STAFF, match_ids=[m.pk for m in matches]),
            "occurrences": selectors.mission_occurrences(mission=mission),
            "weekday_label": dict(forms.WEEKDAYS).get(mission.weekday, ""),
            "suggestions": suggestions,
        },
    )


def _mission_action(request, mission_id: int, action, done_message):
    """A one-tap status change, from the mission's page or from a row of the list (which posts
    `next`: back to that list page, at the row; or only the row again, in place)."""
    mission = _own(Mission, request, mission_id)
    error = None
    try:
        action(mission=mission, by=request.user)
    except DomainError as exc:
        error = exc.message
    if request.headers.get("HX-Request"):
        row = selectors.mission_list(association=mission.association).get(pk=mission.pk)
        context = {
            "m": row,
            "done": None if error else done_message,
            "error": error,
            "back": back_to(request, "association:missions"),
        }
        return render(request, "missions/association/_mission_row.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done_message)
    if request.POST.get("next"):
        return redirect(back_to(request, "association:missions", anchor=f"mission-{mission.pk}"))
    return redirect("association:mission", mission_id=mission.pk)


@require_POST
@staff_view
def mission_publish(request, mission_id: int):
    return _mission_action(request, mission_id, mission_services.mission_publish, _("Mission published."))


@require_POST
@staff_view
def mission_fill(request, mission_id: int):
    return _mission_action(request, mission_id, mission_services.mission_fill, _("Mission marked filled."))


@require_POST
@staff_view
def mission_reopen(request, mission_id: int):
    return _mission_action(request, mission_id, mission_services.mission_reopen, _("Mission open again."))


@require_POST
@staff_view
def mission_close(request, mission_id: int):
    return _mission_action(request, mission_id, mission_services.mission_close, _("Mission closed."))


# --- vetting desk ---------------------------------------------------------------------------


def _vetting_refused(request, refusal: str):
    # A pending association's staff learn why the desk is empty and what happens next.
    return render(request, "missions/association/vetting.html", {"refusal": refusal}, status=403)


@require_GET
@staff_view
def vetting(request):
    refusal = vetting_refusal(request.user, request.association)
    if refusal is not None:
        return _vetting_refused(request, refusal)
    q, waiting_for = request.GET.get("q", "").strip(), request.GET.get("waiting_for", "")
    rows = selectors.vetting_desk_rows(association=request.association, user=request.user, q=q, waiting_for=waiting_for)
    page, query = list_page(request, rows)
    context = {
        "page": page,
        "rows": selectors.vetting_rows(page.object_list, selectors.vetting_records_of(page.object_list)),
        # Where each row's step form comes back to: this page, worked out once, not per step.
        "back": request.get_full_path(),
        "query": query,
        "q": q,
        "waiting_for": waiting_for,
        "steps": STEP_LABELS.items(),
    }
    template = "_vetting_list.html" if request.headers.get("HX-Request") else "vetting.html"
    return render(request, f"missions/association/{template}", context)


@require_POST
@staff_view
def vetting_record(request, volunteer_id: int):
    refusal = vetting_refusal(request.user, request.association)
    if refusal is not None:
        return _vetting_refused(request, refusal)
    # Only volunteers on this association's desk exist here; anyone else answers 404.
    visible = volunteers_visible(request.user, association=request.association)
    try:
        volunteer = visible.select_related("user").get(pk=volunteer_id)
    except visible.model.DoesNotExist as exc:
        raise Http404 from exc
    step = request.POST.get("step", "")
    form = forms.VettingStepForm(request.POST)
    on = form.cleaned_data.get("on") if form.is_valid() else None
    error = message = None
    try:
        services.vetting_step_record(
            volunteer=volunteer, step=step, by=request.user, association=request.association, on=on
        )
    except DomainError as exc:
        error = exc.message
    else:
        volunteer.refresh_from_db()
        message = _("%(step)s recorded for %(name)s.") % {"step": STEP_LABELS.get(step, step), "name": volunteer}
        if volunteer.vetting_state == volunteer.Vetting.APPROVED:
            message += " " + _("Vetting complete: %(name)s is approved.") % {"name": volunteer}
    if request.headers.get("HX-Request"):
        # The row alone, with what happened written in it: the list stays where the thumb is.
        row = selectors.vetting_rows(selectors.with_vetting_records(type(volunteer).objects.filter(pk=volunteer.pk)))[0]
        context = {"row": row, "done": message, "error": error, "back": back_to(request, "association:vetting")}
        return render(request, "missions/association/_vetting_row.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, message)
    return redirect(back_to(request, "association:vetting", anchor=f"volunteer-{volunteer.pk}"))


# --- imports --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_view
def imports(request):
    form = forms.ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_services.import_job_create(
                association=request.association,
                by=request.user,
                filename=upload.name,
                content=import_services.import_file_content(upload),
            )
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            tasks.import_check_start(job=job)
            return redirect("association:import", job_id=job.pk)
    return render(
        request,
        "missions/association/imports.html",
        {"form": form, "jobs": selectors.import_jobs(association=request.association), "columns": importing.COLUMNS},
    )


@require_GET
@staff_view
def import_template(request):
    response = HttpResponse("\ufeff" + importing.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="modele-beneficiaires.csv"'
    return response


@require_GET
@staff_view
def import_detail(request, job_id: int):
    job = get_scoped_or_404(ImportJob.objects.defer("content", "rows"), request.user, pk=job_id)
    running = job.status in (ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING)
    context = {"job": job, "running": running, "confirm_form": forms.ImportConfirmForm()}
    template = "missions/association/_import_progress.html" if request.headers.get("HX-Request") else None
    return render(request, template or "missions/association/import_detail.html", context)


@require_POST
@staff_view
def import_confirm(request, job_id: int):
    job = get_scoped_or_404(ImportJob.objects.defer("content", "rows"), request.user, pk=job_id)
    form = forms.ImportConfirmForm(request.POST)
    valid_only = form.is_valid() and form.cleaned_data["valid_only"]
    try:
        job = import_services.import_job_confirm(job=job, by=request.user, valid_only=valid_only)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        tasks.import_run_start(job=job)
    return redirect("association:import", job_id=job.pk)
