"""The beneficiary pages of the association side: the list, the file (record, key contacts,
assessments) and its status changes. Like the other staff pages (views.py), each view fetches
through missions.scoping, checks input with a form, calls one service, redirects."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liens.choices import Interest, Language
from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from missions.models import Assessment, Beneficiary
from missions.scoping import scoped, staff_view

from . import beneficiaries as beneficiary_services
from . import forms, selectors
from .views import _own


@require_GET
@staff_view
def beneficiary_list(request):
    q, status = request.GET.get("q", "").strip(), request.GET.get("status", "")
    rows = selectors.beneficiary_list(association=request.association, q=q, status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "missions/association/beneficiary_list.html",
        {"page": page, "q": q, "status": status, "statuses": Beneficiary.Status.choices},
    )


def _beneficiary_form_page(request, beneficiary=None):
    association = request.association if beneficiary is None else beneficiary.association
    form = forms.BeneficiaryForm(request.POST or None, instance=beneficiary, association=association)
    formset = forms.KeyContactFormSet(request.POST or None, instance=beneficiary, prefix="contacts")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        contacts = forms.key_contacts_from(formset)
        try:
            if beneficiary is None:
                beneficiary = beneficiary_services.beneficiary_create(
                    association=association, by=request.user, key_contacts=contacts, **form.service_fields()
                )
                messages.success(request, _("%(name)s is recorded.") % {"name": beneficiary})
            else:
                beneficiary_services.beneficiary_update(
                    beneficiary=beneficiary, by=request.user, key_contacts=contacts, **form.service_fields()
                )
                messages.success(request, _("Changes saved."))
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            return redirect("association:beneficiary", beneficiary_id=beneficiary.pk)
    if beneficiary is not None and beneficiary.pk is not None:
        # The form shows the stored record (and again after a refused change): one row per page.
        beneficiary_services.beneficiary_file_open(beneficiary=beneficiary, by=request.user)
    return render(
        request,
        "missions/association/beneficiary_form.html",
        {"form": form, "formset": formset, "beneficiary": beneficiary},
    )


@require_http_methods(["GET", "POST"])
@staff_view
def beneficiary_new(request):
    return _beneficiary_form_page(request)


@require_http_methods(["GET", "POST"])
@staff_view
def beneficiary_edit(request, beneficiary_id: int):
    return _beneficiary_form_page(request, _own(Beneficiary, request, beneficiary_id))


@require_GET
@staff_view
def beneficiary_detail(request, beneficiary_id: int):
    try:
        beneficiary = selectors.beneficiary_for_page(
            queryset=scoped(Beneficiary.objects.all(), request.user), pk=beneficiary_id
        )
    except Beneficiary.DoesNotExist as exc:
        raise Http404 from exc
    beneficiary_services.beneficiary_file_open(beneficiary=beneficiary, by=request.user)
    return render(
        request,
        "missions/association/beneficiary_detail.html",
        {
            "b": beneficiary,
            "trends": selectors.assessment_trends(beneficiary=beneficiary),
            "pause_form": forms.PauseForm(),
            "end_form": forms.EndForm(),
            "scales": Assessment.Scale.choices,
            "labels": _choice_labels(beneficiary),
        },
    )


def _choice_labels(beneficiary: Beneficiary) -> dict[str, str]:
    interests, languages = dict(Interest.choices), dict(Language.choices)
    return {
        "interests": ", ".join(str(interests.get(v, v)) for v in beneficiary.interests),
        "languages": ", ".join(str(languages.get(v, v)) for v in beneficiary.languages),
        "required_languages": ", ".join(str(languages.get(v, v)) for v in beneficiary.required_languages),
    }


def _beneficiary_action(request, beneficiary_id: int, action, form_class=None):
    beneficiary = _own(Beneficiary, request, beneficiary_id)
    kwargs = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
            return redirect("association:beneficiary", beneficiary_id=beneficiary.pk)
        kwargs = form.cleaned_data
    try:
        action(beneficiary=beneficiary, by=request.user, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done."))
    return redirect("association:beneficiary", beneficiary_id=beneficiary.pk)


@require_POST
@staff_view
def beneficiary_activate(request, beneficiary_id: int):
    return _beneficiary_action(request, beneficiary_id, beneficiary_services.beneficiary_activate)


@require_POST
@staff_view
def beneficiary_pause(request, beneficiary_id: int):
    return _beneficiary_action(request, beneficiary_id, beneficiary_services.beneficiary_pause, forms.PauseForm)


@require_POST
@staff_view
def beneficiary_resume(request, beneficiary_id: int):
    return _beneficiary_action(request, beneficiary_id, beneficiary_services.beneficiary_resume)


@require_POST
@staff_view
def beneficiary_end(request, beneficiary_id: int):
    return _beneficiary_action(request, beneficiary_id, beneficiary_services.beneficiary_end, forms.EndForm)


@require_http_methods(["GET", "POST"])
@staff_view
def assessment_new(request, beneficiary_id: int):
    beneficiary = _own(Beneficiary, request, beneficiary_id)
    scale = request.GET.get("scale") or request.POST.get("scale") or "ucla3"
    if scale not in forms.SCALE_ITEMS:
        raise Http404
    form = forms.AssessmentForm(request.POST or None, scale=scale)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = beneficiary_services.assessment_record(
                beneficiary=beneficiary,
                scale=scale,
                answers=form.answers(),
                taken_on=form.cleaned_data["taken_on"],
                by=request.user,
            )
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(scale)s recorded: score %(score)s.")
                % {"scale": assessment.get_scale_display(), "score": assessment.score},
            )
            return redirect("association:beneficiary", beneficiary_id=beneficiary.pk)

    return render(
        request,
        "missions/association/assessment_form.html",
        {"b": beneficiary, "form": form, "scale": scale, "scales": Assessment.Scale.choices},
    )
