"""Outcome pages: thin views over the selectors and the certificate's one reader."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from missions.scoping import staff_view
from volunteers.models import Volunteer
from volunteers.views import volunteer_required

from . import certificates, selectors
from .forms import CertificatePeriodForm


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
