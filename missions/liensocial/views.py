"""Pages of lien-social hours, under /lien-social/ (namespace "liensocial").

Two sides: the home-care service's staff (a professional records sessions, a manager follows
the month and downloads statements) and the person's association (gives and ends a plan).
Each view fetches through a helper that 404s on what the user may not see, checks input with a
form, calls one service, redirects.
"""

import csv
import functools
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from liens.scopes import scope_enter, scopes_disabled

from .. import disclosure
from ..models import ApaPlan, Association, Beneficiary, Membership
from ..scoping import get_scoped_or_404, staff_view
from . import forms, months, selectors, services
from .statement import statement_csv_rows, statement_pdf


def service_view(*, managers_only: bool = False):
    """A home-care service's page: its staff only (a manager, with `managers_only`), everyone
    else 404. Sets `request.service` (the one asked with ?service=, else the user's first) and
    activates the service's staff scope, so a forgotten query shows nothing of an association."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            asked = request.GET.get("service")
            membership = selectors.service_membership(request.user, int(asked) if (asked or "").isdigit() else None)
            if managers_only and membership.role != Membership.Role.MANAGER:
                raise Http404
            scope_enter([membership.association_id])
            request.service = membership.association
            request.service_role = membership.role
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _tz(service: Association) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(service.timezone)


@require_GET
@service_view()
def home(request):
    """The professional's home: the persons of the service's plans in force today, each with
    the month so far and one button to record a session."""
    service = request.service
    now = timezone.now()
    today = timezone.localtime(now, _tz(service)).date()
    year, month = months.month_of(now, tz=service.timezone)
    figures = {row.plan.pk: row for row in selectors.service_month(service=service, year=year, month=month)}
    plans = [(plan, figures.get(plan.pk)) for plan in selectors.plans_in_force(service=service, day=today)]
    return render(
        request,
        "missions/liensocial/home.html",
        {"service": service, "plans": plans, "is_manager": request.service_role == Membership.Role.MANAGER},
    )


@require_http_methods(["GET", "POST"])
@service_view()
def session_new(request, plan_id: int):
    service = request.service
    plan = selectors.service_plan_or_404(service=service, plan_id=plan_id)
    now = timezone.localtime(timezone.now(), _tz(service))
    form = forms.SessionForm(request.POST or None, initial={"date": now.date(), "time": now.strftime("%H:%M")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_record(
                plan=plan,
                professional=request.user,
                starts_at=forms.session_starts_at(data, tz=_tz(service)),
                duration_minutes=data["duration_minutes"],
                activity=data["activity"],
                mood=data["mood"],
                concerns=data["concerns"],
                notes=data["notes"],
                over_plan_reason=data["over_plan_reason"],
            )
        except DomainError as error:
            form_apply_domain_error(form, error)
        else:
            if session.urgent_concerns:
                messages.warning(request, _("Urgent concern sent: the person's association has been alerted at once."))
            else:
                messages.success(request, _("Session recorded. Thank you!"))
            return redirect("liensocial:home")
    # What going there needs, through the one rule of who sees what (and its access log).
    # An ended plan still takes a late session within its dates, but shows nothing private.
    try:
        details = disclosure.private_details(
            beneficiary=plan.beneficiary,
            by=request.user,
            parts=[disclosure.ADDRESS, disclosure.PHONE, disclosure.NOTES],
        )
    except DomainError:
        details = None
    year, month = months.month_of(timezone.now(), tz=service.timezone)
    return render(
        request,
        "missions/liensocial/session_form.html",
        {
            "form": form,
            "plan": plan,
            "details": details,
            "month": months.plan_month(plan, year, month, tz=service.timezone),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@service_view(managers_only=True)
def manager(request):
    """The service manager's home: this month's plans, delivered against planned, shortfalls
    and the statements."""
    service = request.service
    now = timezone.now()
    year, month = months.month_of(now, tz=service.timezone)
    rows = selectors.service_month(service=service, year=year, month=month)
    previous = (year, month - 1) if month > 1 else (year - 1, 12)
    return render(
        request,
        "missions/liensocial/manager.html",
        {
            "service": service,
            "rows": rows,
            "year": year,
            "month": month,
            "previous": previous,
            "planned": months.minutes_label(sum(r.planned_minutes for r in rows)),
            "delivered": months.minutes_label(sum(r.delivered_minutes for r in rows)),
            "shortfalls": sum(1 for r in rows if r.shortfall),
        },
    )


def _statement_response(statement, fmt: str):
    filename = f"lien-social-{statement.service.pk}-{statement.year}-{statement.month:02d}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        response.write("\ufeff")  # so that a spreadsheet opens the accents right
        writer = csv.writer(response, delimiter=";")
        for row in statement_csv_rows(statement):
            writer.writerow(row)
        return response
    if fmt == "pdf":
        response = HttpResponse(statement_pdf(statement), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
        return response
    raise Http404


def _month_or_404(year: int, month: int) -> None:
    if not (1 <= month <= 12 and 2024 <= year <= 2100):
        raise Http404  # the heures de lien social began on 1 January 2024


@require_GET
@service_view(managers_only=True)
def statement(request, year: int, month: int, fmt: str):
    _month_or_404(year, month)
    return _statement_response(selectors.statement(service=request.service, year=year, month=month), fmt)


@require_GET
@service_view(managers_only=True)
def plan_statement(request, plan_id: int, year: int, month: int, fmt: str):
    _month_or_404(year, month)
    plan = selectors.service_plan_or_404(service=request.service, plan_id=plan_id)
    return _statement_response(selectors.statement(service=request.service, year=year, month=month, plan=plan), fmt)


# --- the person's association ------------------------------------------------------------------


def validated_services():
    return Association.objects.filter(kind=Association.Kind.HOME_CARE, validated_at__isnull=False).order_by("name")


@require_http_methods(["GET", "POST"])
@staff_view
def plan_new(request, beneficiary_id: int):
    beneficiary = get_scoped_or_404(Beneficiary.objects.all(), request.user, pk=beneficiary_id)
    # Home-care services are public organisations to choose from, not this association's rows.
    with scopes_disabled("the list of validated home-care services, a public directory"):
        choices = validated_services()
        form = forms.PlanForm(request.POST or None, services=choices)
        if request.method == "POST" and form.is_valid():
            try:
                services.plan_create(beneficiary=beneficiary, by=request.user, **form.cleaned_data)
            except DomainError as error:
                form_apply_domain_error(form, error)
            else:
                messages.success(request, _("The plan is recorded."))
                return redirect("association:beneficiary", beneficiary_id=beneficiary.pk)
        return render(
            request,
            "missions/liensocial/plan_form.html",
            {"form": form, "b": beneficiary},
            status=400 if request.method == "POST" else 200,
        )


@require_POST
@staff_view
def plan_end(request, plan_id: int):
    plan = get_scoped_or_404(
        ApaPlan.objects.select_related("beneficiary"), request.user, via="beneficiary__association", pk=plan_id
    )
    form = forms.PlanEndForm(request.POST)
    if form.is_valid():
        try:
            services.plan_end(plan=plan, ends_on=form.cleaned_data["ends_on"], by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The plan ends on %(day)s.") % {"day": form.cleaned_data["ends_on"]})
    else:
        messages.error(request, _("Give the last day of the plan."))
    return redirect("association:beneficiary", beneficiary_id=plan.beneficiary_id)
