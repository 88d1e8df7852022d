"""Referral pages: the public form behind a partner's link (no account), and the staff pages —
the inbox, a referral's page and its steps, the partners page. Each view fetches through the
staff scope (404 outside it), checks input with a form, calls one service, redirects."""

from allauth.decorators import rate_limit
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from liens.scopes import view_scopes_disabled
from missions.association import beneficiary_views
from missions.association.forms import BeneficiaryForm
from missions.association.views import list_page
from missions.models import Beneficiary, Partner, Referral
from missions.scoping import get_scoped_or_404, is_staff_of, staff_view

from . import forms, lifecycle, selectors, services
from .links import partner_for_link, referral_link_url

# --- public: the form behind a link ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@rate_limit(action="referral")  # a public door: POSTs per address are limited (settings.ACCOUNT_RATE_LIMITS)
@view_scopes_disabled("a public link: partner_for_link checks the link, and the form writes only")
def refer(request, token: str):
    partner = partner_for_link(token)
    if partner is None:
        raise Http404
    public = partner.kind == Partner.Kind.PUBLIC
    form = forms.ReferralForm(request.POST or None, public=public)
    if request.method == "POST" and form.is_valid():
        if form.is_robot:
            return redirect("refer:sent", token=token)
        try:
            services.referral_receive(partner=partner, **form.service_fields())
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            return redirect("refer:sent", token=token)
    return render(request, "missions/referrals/refer.html", {"form": form, "partner": partner, "public": public})


@require_GET
@view_scopes_disabled("a public link: partner_for_link checks the link; the page shows no row")
def refer_sent(request, token: str):
    """The same words whatever happened: nothing here tells whether the person is known."""
    partner = partner_for_link(token)
    if partner is None:
        raise Http404
    return render(request, "missions/referrals/sent.html", {"partner": partner})


# --- staff: the inbox and a referral's page ------------------------------------------------


def _referral(request, referral_id: int) -> Referral:
    try:
        return selectors.referral_for_page(pk=referral_id)
    except Referral.DoesNotExist as exc:  # outside the staff scope too
        raise Http404 from exc


@require_GET
@staff_view
def inbox(request):
    status = request.GET.get("status", "")
    rows = selectors.referral_inbox(association=request.association, status=status)
    page, query = list_page(request, rows)
    context = {
        "page": page,
        "query": query,
        "status": status,
        "statuses": Referral.Status.choices,
    }
    return render(request, "missions/referrals/inbox.html", context)


def _detail_context(referral: Referral, **extra) -> dict:
    steps = [(to, lifecycle.ACTION_LABELS[to]) for to in lifecycle.next_steps(referral)]
    return {
        "r": referral,
        "steps": steps,
        "needs": [Referral.Need(n).label for n in referral.needs if n in Referral.Need.values],
        "transition_form": forms.TransitionForm(),
        "notes_form": forms.NotesForm(initial={"staff_notes": referral.staff_notes}),
        "needs_person": lifecycle.NEEDS_PERSON,
        **extra,
    }


@require_GET
@staff_view
def detail(request, referral_id: int):
    referral = _referral(request, referral_id)
    return render(request, "missions/referrals/detail.html", _detail_context(referral))


@require_POST
@staff_view
def transition(request, referral_id: int):
    referral = _referral(request, referral_id)
    form = forms.TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.referral_transition(referral=referral, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("Referral: %(status)s.") % {"status": Referral.Status(form.cleaned_data["to"]).label}
            )
            return redirect("referrals:detail", referral_id=referral.pk)
    context = _detail_context(referral, transition_form=form)
    return render(request, "missions/referrals/detail.html", context, status=400)


@require_POST
@staff_view
def notes(request, referral_id: int):
    referral = _referral(request, referral_id)
    form = forms.NotesForm(request.POST)
    if form.is_valid():
        try:
            services.referral_notes_save(referral=referral, by=request.user, notes=form.cleaned_data["staff_notes"])
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            messages.success(request, _("Notes saved."))
            return redirect("referrals:detail", referral_id=referral.pk)
    return render(request, "missions/referrals/detail.html", _detail_context(referral, notes_form=form), status=400)


@require_http_methods(["GET", "POST"])
@staff_view
def person_new(request, referral_id: int):
    """The person's file opened from the referral: the first section of the file, prefilled."""
    referral = _referral(request, referral_id)
    if referral.beneficiary_id:
        return redirect("association:beneficiary", beneficiary_id=referral.beneficiary_id)
    initial = services.person_fields(referral)
    section = beneficiary_views.FIRST_SECTION
    form = BeneficiaryForm(request.POST or None, association=referral.association, section=section, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            beneficiary = services.referral_person_create(referral=referral, by=request.user, **form.service_fields())
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s is recorded from the referral.") % {"name": beneficiary})
            return redirect("referrals:detail", referral_id=referral.pk)
    return render(request, "missions/referrals/person_form.html", {"form": form, "r": referral})


@require_POST
@staff_view
def person_link(request, referral_id: int):
    """Tie the referral to the person already followed that it likely duplicates."""
    referral = _referral(request, referral_id)
    if referral.possible_duplicate_id is None:
        raise Http404
    person = get_scoped_or_404(Beneficiary.objects.all(), request.user, pk=referral.possible_duplicate_id)
    try:
        services.referral_person_link(referral=referral, by=request.user, beneficiary=person)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The referral is tied to %(name)s's file.") % {"name": person})
    return redirect("referrals:detail", referral_id=referral.pk)


# --- staff: the partners page ----------------------------------------------------------------


def _manages(request) -> bool:
    return request.user.is_staff or is_staff_of(request.user, request.association.pk, role="manager")


@require_http_methods(["GET", "POST"])
@staff_view
def partners(request):
    """The association's partners and their links; managers register, switch off and renew them."""
    association = request.association
    manages = _manages(request)
    form = forms.PartnerForm(request.POST or None)
    if request.method == "POST":
        if not manages:
            raise Http404
        if form.is_valid():
            try:
                partner = services.partner_create(association=association, by=request.user, **form.cleaned_data)
            except DomainError as exc:
                form_apply_domain_error(form, exc)
            else:
                messages.success(request, _("%(name)s is registered. Send it its link.") % {"name": partner})
                return redirect(reverse("referrals:partners") + f"#partner-{partner.pk}")
    rows = list(selectors.partner_list(association=association))
    for partner in rows:
        partner.link = referral_link_url(partner) if partner.active and manages else ""
    context = {
        "partners": rows,
        "form": form,
        "manages": manages,
        "has_public": any(p.active and p.kind == Partner.Kind.PUBLIC for p in rows),
    }
    return render(request, "missions/referrals/partners.html", context, status=400 if form.errors else 200)


def _own_partner(request, partner_id: int) -> Partner:
    if not _manages(request):
        raise Http404
    return get_scoped_or_404(Partner.objects.all(), request.user, pk=partner_id)


@require_POST
@staff_view
def partner_deactivate(request, partner_id: int):
    partner = services.partner_deactivate(partner=_own_partner(request, partner_id), by=request.user)
    messages.success(request, _("%(name)s is switched off: its link no longer works.") % {"name": partner})
    return redirect("referrals:partners")


@require_POST
@staff_view
def partner_regenerate(request, partner_id: int):
    try:
        partner = services.partner_link_regenerate(partner=_own_partner(request, partner_id), by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("referrals:partners")
    messages.success(request, _("%(name)s has a new link; the old one no longer works.") % {"name": partner})
    return redirect(reverse("referrals:partners") + f"#partner-{partner.pk}")


@require_POST
@staff_view
def public_form_open(request):
    if not _manages(request):
        raise Http404
    services.public_form_ensure(association=request.association, by=request.user)
    messages.success(request, _("Your public referral form is open."))
    return redirect("referrals:partners")
