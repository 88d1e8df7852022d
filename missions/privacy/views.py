"""Pages for the rights of the people in the files: export, erasure, the processing register,
and a volunteer's download of their own data."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from liens.scopes import view_scopes_disabled
from missions.association.views import _own, manager_only
from missions.models import Beneficiary
from missions.scoping import staff_view

from . import erasure, exports, register
from .forms import EraseForm


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@staff_view
def beneficiary_export_json(request, beneficiary_id: int):
    beneficiary = _own(Beneficiary, request, beneficiary_id)
    data = exports.beneficiary_file_export(beneficiary=beneficiary, by=request.user)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    return _attachment(response, f"liens-person-{beneficiary.pk}.json")


@require_GET
@staff_view
def beneficiary_export_pdf(request, beneficiary_id: int):
    beneficiary = _own(Beneficiary, request, beneficiary_id)
    data = exports.beneficiary_file_export(beneficiary=beneficiary, by=request.user)
    response = HttpResponse(exports.beneficiary_file_pdf(data), content_type="application/pdf")
    return _attachment(response, f"liens-person-{beneficiary.pk}.pdf")


@require_http_methods(["GET", "POST"])
@staff_view
def beneficiary_erase(request, beneficiary_id: int):
    beneficiary = _own(Beneficiary, request, beneficiary_id)
    form = EraseForm(request.POST if request.method == "POST" else None)
    refusal = None
    try:
        erasure.beneficiary_erase_check(beneficiary=beneficiary, by=request.user)
    except DomainError as exc:
        refusal = exc.message
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            erasure.beneficiary_erase(beneficiary=beneficiary, by=request.user)
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            messages.success(request, _("The person's file is erased."))
            return redirect("association:beneficiaries")
    # The page names the person (first name and initial) so nobody erases the wrong file; it
    # shows no private detail, so it writes no access-log row.
    return render(
        request,
        "missions/privacy/erase.html",
        {"b": beneficiary, "form": form, "refusal": refusal},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@staff_view
def processing_register(request):
    manager_only(request)
    return render(request, "missions/privacy/register.html", {"entries": register.processing_register()})


@require_GET
@login_required
# The volunteer's own data, across every association they visited for: no staff scope applies.
@view_scopes_disabled("a volunteer's export holds only their own rows, across associations")
def volunteer_data_export(request):
    volunteer = getattr(request.user, "volunteer", None)
    if volunteer is None:
        return redirect("volunteers:home")
    body = json.dumps(exports.volunteer_data_export(volunteer), ensure_ascii=False, indent=2)
    return _attachment(HttpResponse(body, content_type="application/json"), "liens-my-data.json")
