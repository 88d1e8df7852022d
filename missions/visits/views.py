"""Visits pages: the volunteer's one-tap "I can't come", and the staff's attention list."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from liens.scopes import view_scopes_disabled
from missions.models import Membership, Visit
from missions.scoping import get_scoped_or_404, staff_required

from . import links, services
from .forms import CantComeForm, DigestModeForm, MoveForm, StaffCancelForm
from .selectors import VISIT_RELATED, attention_for, visit_context
from .zones import association_zone, local_at

VIA = "match__mission__association"


def _link_problem(request, *, title: str, message: str, status: int):
    return render(request, "missions/visits/link_problem.html", {"title": title, "message": message}, status=status)


@require_http_methods(["GET", "POST"])
# No sign-in and no scope: the signed link names one visit, and the page cancels only that one.
@view_scopes_disabled("the signed link names one visit of one volunteer; the page cancels only that one")
def cant_come(request, token: str):
    """GET: confirm page with a reason field. POST: cancel the visit. No sign-in: the signed link is the key."""
    try:
        data = links.cant_come_read(token)
    except signing.SignatureExpired:
        return _link_problem(
            request,
            title=_("This link has expired"),
            message=_("Please call your coordinator to say you cannot come."),
            status=410,
        )
    except signing.BadSignature:
        return _link_problem(
            request,
            title=_("This link is not valid"),
            message=_("It may have been cut or changed. Please use the link in your latest reminder."),
            status=400,
        )
    visit = Visit.objects.select_related(*VISIT_RELATED).filter(pk=data.get("v")).first()
    if visit is None or visit.match.volunteer.user_id != data.get("u"):
        return _link_problem(
            request,
            title=_("This link is not valid"),
            message=_("It may have been cut or changed. Please use the link in your latest reminder."),
            status=400,
        )
    if visit.status == Visit.Status.CANCELLED:
        return _link_problem(
            request,
            title=_("This visit is already cancelled"),
            message=_("Nothing more to do: the coordinator knows."),
            status=410,
        )
    if visit.status != Visit.Status.SCHEDULED or visit.starts_at <= timezone.now():
        return _link_problem(
            request,
            title=_("This link has expired"),
            message=_("The visit has already started. Please call your coordinator."),
            status=410,
        )
    if visit.match.is_suspended:
        return _link_problem(
            request,
            title=_("These visits are paused"),
            message=_(
                "The visits to %(who)s are paused for now: there is nothing to cancel. "
                "Your coordinator will tell you when they start again."
            )
            % {"who": visit_context(visit, visit.match.volunteer.user)["who"]},
            status=409,
        )
    if int(visit.starts_at.timestamp()) != data.get("t"):
        return _link_problem(
            request,
            title=_("This visit has been moved"),
            message=_("This link was for its former time. Please use the link in your latest reminder."),
            status=410,
        )
    form = CantComeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"] or _("The volunteer cannot come.")
        try:
            services.visit_cancel(visit=visit, by=visit.match.volunteer.user, reason=reason)
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            return render(request, "missions/visits/cant_come_done.html", {"visit": visit})
    zone = association_zone(visit.match.mission.association)
    with timezone.override(zone):
        return render(
            request,
            "missions/visits/cant_come.html",
            {"visit": visit, "form": form, **visit_context(visit, visit.match.volunteer.user)},
        )


@login_required
@staff_required
def attention(request):
    """Staff: visits without report, unconfirmed or cancelled lately, open alerts, unfilled missions."""
    ids = request.association_ids
    now = timezone.now()
    data = attention_for(association_ids=ids, now=now, since=now - datetime.timedelta(days=7))
    membership = Membership.objects.filter(user=request.user).order_by("pk").first()
    form = DigestModeForm(initial={"digest_mode": membership.digest_mode if membership else "daily"})
    return render(request, "missions/visits/attention.html", {"attention": data, "form": form})


@login_required
@require_POST
@staff_required
def digest_mode(request):
    """Staff: choose the morning summary only, or each event at once as well."""
    form = DigestModeForm(request.POST)
    if form.is_valid():
        services.membership_digest_mode_set(user=request.user, mode=form.cleaned_data["digest_mode"])
        messages.success(request, _("Your choice is saved."))
    else:
        messages.error(request, _("Choose one of the options."))
    return redirect("visits:attention")


@login_required
@require_http_methods(["GET", "POST"])
@staff_required
def staff_cancel(request, pk: int):
    """Staff: cancel one visit of their association (others' visits answer 404)."""
    visit = get_scoped_or_404(Visit.objects.select_related(*VISIT_RELATED), request.user, via=VIA, pk=pk)
    form = StaffCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_cancel(visit=visit, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            messages.success(request, _("The visit is cancelled; the volunteer has been told."))
            return redirect("visits:attention")
    return render(request, "missions/visits/staff_cancel.html", {"visit": visit, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
@staff_required
def staff_move(request, pk: int):
    """Staff: move one visit of their association to another date and time (local to the association)."""
    visit = get_scoped_or_404(Visit.objects.select_related(*VISIT_RELATED), request.user, via=VIA, pk=pk)
    zone = association_zone(visit.match.mission.association)
    local = visit.starts_at.astimezone(zone)
    form = MoveForm(request.POST or None, initial={"day": local.date(), "at": local.time().replace(second=0)})
    if request.method == "POST" and form.is_valid():
        starts_at = local_at(form.cleaned_data["day"], form.cleaned_data["at"], zone)
        try:
            with transaction.atomic():
                services.visit_move(
                    visit=visit, by=request.user, starts_at=starts_at, reason=form.cleaned_data["reason"]
                )
        except DomainError as exc:
            # The form splits the moment into a date and a time: show it under the date.
            exc.field = "day" if exc.field == "starts_at" else exc.field
            form_apply_domain_error(form, exc)
        else:
            messages.success(request, _("The visit is moved; the volunteer has been told."))
            return redirect("visits:attention")
    with timezone.override(zone):
        return render(request, "missions/visits/staff_move.html", {"visit": visit, "form": form})
