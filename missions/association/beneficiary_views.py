"""The beneficiary pages of the association side: the list, the file (record, key contacts,
assessments) and its status changes. Like the other staff pages (views.py), each view fetches
through missions.scoping, checks input with a form, calls one service, redirects."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liens.choices import Interest, Language
from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from missions.liensocial import months as liensocial_months
from missions.liensocial import selectors as liensocial_selectors
from missions.models import Assessment, Beneficiary
from missions.outcomes import selectors as outcome_selectors
from missions.privacy import erasure
from missions.scoping import scoped, staff_view

from . import beneficiaries as beneficiary_services
from . import forms, selectors
from .views import _own, list_page


@require_GET
@staff_view
def beneficiary_list(request):
    q, status = request.GET.get("q", "").strip(), request.GET.get("status", "")
    rows = selectors.beneficiary_rows(association=request.association, q=q, status=status)
    page, query = list_page(request, rows)
    context = {"page": page, "query": query, "q": q, "status": status, "statuses": Beneficiary.Status.choices}
    template = "_beneficiary_list.html" if request.headers.get("HX-Request") else "beneficiary_list.html"
    return render(request, f"missions/association/{template}", context)


# Recording a referral takes this section only; the file page then shows the others.
FIRST_SECTION = next(iter(beneficiary_services.BENEFICIARY_SECTIONS))


@require_http_methods(["GET", "POST"])
@staff_view
def beneficiary_new(request):
    association = request.association
    form = forms.BeneficiaryForm(request.POST or None, association=association, section=FIRST_SECTION)
    if request.method == "POST" and form.is_valid():
        try:
            beneficiary = beneficiary_services.beneficiary_create(
                association=association, by=request.user, **form.service_fields()
            )
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("%(name)s is recorded. Complete the other sections when you can.") % {"name": beneficiary}
            )
            return redirect("association:beneficiary", beneficiary_id=beneficiary.pk)
    return render(request, "missions/association/beneficiary_form.html", _section_context(form, None, FIRST_SECTION))


@require_http_methods(["GET", "POST"])
@staff_view
def beneficiary_edit(request, beneficiary_id: int, section: str = FIRST_SECTION):
    """One section of the person's file, saved on its own (BENEFICIARY_SECTIONS)."""
    if section not in beneficiary_services.BENEFICIARY_SECTIONS:
        raise Http404
    beneficiary = _own(Beneficiary, request, beneficiary_id)
    data = request.POST if request.method == "POST" else None
    if section == "key_contacts":
        form = forms.KeyContactFormSet(data, instance=beneficiary, prefix="contacts")
    else:
        form = forms.BeneficiaryForm(data, instance=beneficiary, association=beneficiary.association, section=section)
    if request.method == "POST" and form.is_valid():
        contacts = section == "key_contacts"
        fields = {"key_contacts": forms.key_contacts_from(form)} if contacts else form.service_fields()
        try:
            beneficiary_services.beneficiary_update(beneficiary=beneficiary, by=request.user, **fields)
        except DomainError as exc:
            if section == "key_contacts":
                messages.error(request, exc.message)
            else:
                form_apply_domain_error(form, exc)
        else:
            label = forms.BENEFICIARY_SECTION_LABELS[section]
            messages.success(request, _("%(section)s: saved.") % {"section": label})
            return redirect(reverse("association:beneficiary", args=[beneficiary.pk]) + f"#section-{section}")
    # The form shows the stored record (and again after a refused change): one row per page.
    beneficiary_services.beneficiary_file_open(beneficiary=beneficiary, by=request.user)
    return render(request, "missions/association/beneficiary_form.html", _section_context(form, beneficiary, section))


def _section_context(form, beneficiary, section: str) -> dict:
    names = list(beneficiary_services.BENEFICIARY_SECTIONS)
    return {
        "form": form,
        "beneficiary": beneficiary,
        "section": section,
        "section_label": forms.BENEFICIARY_SECTION_LABELS[section],
        "number": names.index(section) + 1,
        "total": len(names),
    }


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
    sections = _sections(beneficiary)
    return render(
        request,
        "missions/association/beneficiary_detail.html",
        {
            "b": beneficiary,
            "outcomes": outcome_selectors.beneficiary_outcomes(beneficiary=beneficiary),
            "pause_form": forms.PauseForm(),
            "end_form": forms.EndForm(),
            "scales": Assessment.Scale.choices,
            "labels": _choice_labels(beneficiary),
            "sections": sections,
            "to_complete": [(name, section) for name, section in sections.items() if not section["done"]],
            "can_erase": _may(erasure.beneficiary_erase_check, beneficiary=beneficiary, by=request.user),
            # Paid lien-social hours, shown apart from volunteer time (missions.liensocial).
            "lien_social": _lien_social_month(beneficiary),
        },
    )


def _lien_social_month(beneficiary: Beneficiary):
    tz = beneficiary.association.timezone
    year, month = liensocial_months.month_of(timezone.now(), tz=tz)
    return liensocial_selectors.person_month(beneficiary=beneficiary, year=year, month=month, tz=tz)


def _may(check, **kwargs) -> bool:
    """Whether a permission check passes: a page offers only the buttons its user may use."""
    try:
        check(**kwargs)
    except DomainError:
        return False
    return True


def _sections(beneficiary: Beneficiary) -> dict[str, dict]:
    """Each section of the file: its title and whether it says something yet."""
    done = selectors.beneficiary_sections_done(beneficiary)
    return {name: {"label": label, "done": done[name]} for name, label in forms.BENEFICIARY_SECTION_LABELS.items()}


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
