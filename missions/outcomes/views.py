"""Outcome pages: thin views over the selectors and the certificate's one reader."""

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from missions.scoping import staff_required, staff_view
from volunteers.models import Volunteer
from volunteers.views import volunteer_required

from . import activity, activity_export, certificates, selectors
from .forms import ActivityPeriodForm, CertificatePeriodForm, TerritoryActivityForm


@require_GET
@staff_view
def reassessments(request):
    board = selectors.reassessment_board(association=request.association)
    return render(request, "missions/outcomes/reassessments.html", {"board": board})


def certificate_download(certificate: certificates.Certificate, *, language: str) -> HttpResponse:
    """The certificate's PDF as a download (the page's and the API's answer)."""
    response = HttpResponse(
        certificates.certificate_pdf(certificate, language=language), content_type="application/pdf"
    )
    filename = f"liens-certificate-{certificate.start.isoformat()}-{certificate.end.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@volunteer_required
def certificate(request, volunteer: Volunteer):
    """GET: the form (last 12 months) and those months' figures; POST: the PDF of the period asked."""
    today = selectors.site_today()
    start, end = certificates.default_period(today)
    form = CertificatePeriodForm(request.POST or None, initial={"start": start, "end": end})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                certificate = certificates.volunteer_certificate(volunteer=volunteer, today=today, **form.cleaned_data)
            except DomainError as exc:
                form_apply_domain_error(form, exc)
            else:
                return certificate_download(certificate, language=request.user.language)
        status = 400
    preview = certificates.volunteer_certificate(volunteer=volunteer, start=start, end=end, today=today)
    return render(request, "missions/outcomes/certificate.html", {"form": form, "preview": preview}, status=status)


@require_GET
def certificate_verify(request, reference: str):
    verified = certificates.certificate_verify(reference)
    return render(
        request,
        "missions/outcomes/certificate_verify.html",
        {"verified": verified},
        status=200 if verified else 404,
    )


# --- the activity report ----------------------------------------------------------------------

EXPORTS = {
    "csv": ("text/csv; charset=utf-8", activity_export.as_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", activity_export.as_xlsx),
    "pdf": ("application/pdf", activity_export.as_pdf),
}


def report_period(form, *, today: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    """The period a bound report form asks for, or None with its errors set (fields kept)."""
    if not form.is_valid():
        return None
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    try:
        certificates.certificate_period_check(start=start, end=end, today=today)
    except DomainError as exc:
        form_apply_domain_error(form, exc)
        return None
    return start, end


def _activity_answer(request, *, form, report, heading: str, scope: str, export: str | None, extra: dict):
    """The page (figures, charts, tables) or one export of `report`; 400 with the form's errors
    when the period asked was refused (report None)."""
    if report is None:
        return render(
            request,
            "missions/outcomes/activity.html",
            {"form": form, "report": None, "heading": heading, **extra},
            status=400,
        )
    if export is not None:
        content_type, write = EXPORTS[export]
        response = HttpResponse(write(report, heading=heading), content_type=content_type)
        name = activity_export.filename(report, export, scope=scope)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response
    sections = activity_export.sections(report)
    by_key = {section.key: section for section in sections}
    query = urlencode({**extra.get("query", {}), "start": report.start.isoformat(), "end": report.end.isoformat()})
    return render(
        request,
        "missions/outcomes/activity.html",
        {
            "form": form,
            "report": report,
            "heading": heading,
            "sections": sections,
            "charts": activity_export.charts(report, by_key),
            "query": query,
            **extra,
        },
    )


def _association_report(request, export: str | None):
    association = request.association
    if not activity.report_reader(request.user, association):
        raise Http404
    today = selectors.association_today(association)
    start, end = activity.last_full_month(today)
    asked = "start" in request.GET or "end" in request.GET
    form = ActivityPeriodForm(request.GET if asked else None, initial={"start": start, "end": end})
    period = report_period(form, today=today) if asked else (start, end)
    report = None
    if period is not None:
        report = activity.activity_report(association_ids=[association.pk], start=period[0], end=period[1])
    return _activity_answer(
        request,
        form=form,
        report=report,
        heading=_("Activity report: %(name)s") % {"name": association.name},
        scope=f"association-{association.pk}",
        export=export,
        extra={"export_url": "outcomes:activity-export", "query": {"association": association.pk}},
    )


@require_GET
@staff_view
def activity_page(request):
    return _association_report(request, None)


@require_GET
@staff_view
def activity_download(request, export: str):
    if export not in EXPORTS:
        raise Http404
    return _association_report(request, export)


def _territory_report(request, export: str | None):
    # Platform admins only (they sign in with a second factor); anyone else learns nothing.
    if not (request.user.is_authenticated and request.user.is_staff):
        raise Http404
    today = selectors.site_today()
    start, end = activity.last_full_month(today)
    territories = activity.territories()
    asked = bool(request.GET)
    form = TerritoryActivityForm(
        request.GET if asked else None,
        territories=territories,
        initial={"start": start, "end": end, "territory": territories[0] if territories else ""},
    )
    report, territory = None, ""
    if asked:
        period = report_period(form, today=today)
        if period is not None:
            territory = form.cleaned_data["territory"]
            report = activity.activity_report(
                association_ids=activity.territory_association_ids(territory), start=period[0], end=period[1]
            )
    elif territories:
        territory = territories[0]
        report = activity.activity_report(
            association_ids=activity.territory_association_ids(territory), start=start, end=end
        )
    else:
        form.is_bound = False
    extra = {"export_url": "outcomes:territory-activity-export", "query": {"territory": territory}, "territory": True}
    if report is None and not asked:
        return render(request, "missions/outcomes/activity.html", {"form": form, "report": None, **extra})
    return _activity_answer(
        request,
        form=form,
        report=report,
        heading=_("Territory activity report: %(territory)s") % {"territory": territory}
        if territory
        else _("Territory activity report"),
        scope=f"territory-{slugify(territory) or 'none'}",
        export=export,
        extra={**extra, "associations_count": len(report.association_ids) if report else 0},
    )


@require_GET
@login_required
@staff_required
def territory_activity_page(request):
    return _territory_report(request, None)


@require_GET
@login_required
@staff_required
def territory_activity_download(request, export: str):
    if export not in EXPORTS:
        raise Http404
    return _territory_report(request, export)
