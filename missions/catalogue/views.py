"""The public catalogue's pages, under /missions/: anyone may browse open missions, as safe
cards, and sign up to help with one. Reads only through selectors (the one unscoped read)."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from . import selectors
from .forms import CatalogueFilterForm


def _filter_form(request) -> CatalogueFilterForm:
    form = CatalogueFilterForm(request.GET or None, towns=selectors.catalogue_towns())
    if form.is_bound:
        form.is_valid()  # errors shown next to their field; the valid filters still apply
    return form


@require_GET
def catalogue(request):
    form = _filter_form(request)
    page, cards = selectors.catalogue_page(form.filters(), page=request.GET.get("page") or 1)
    kept = {key: value for key, value in request.GET.items() if key != "page" and value}
    return render(
        request,
        "missions/catalogue/catalogue.html",
        {"form": form, "page": page, "cards": cards, "query": urlencode(kept), "postcode": kept.get("postcode", "")},
    )


@require_GET
def mission(request, mission_id: int):
    form = CatalogueFilterForm({"postcode": request.GET.get("postcode", "")}, towns=[])
    form.is_valid()
    card = selectors.catalogue_mission_or_404(mission_id, origin=form.filters().origin)
    # After sign-up (and the email confirmation, in this browser), allauth sends the new
    # volunteer to `next`: this mission, on the volunteer's side, where they can offer to help.
    volunteer_page = reverse("volunteers:mission_detail", args=[mission_id])
    user = request.user
    is_volunteer = user.is_authenticated and getattr(user, "volunteer", None) is not None
    return render(
        request,
        "missions/catalogue/mission.html",
        {
            "card": card,
            "is_volunteer": is_volunteer,
            "volunteer_page": volunteer_page,
            "signup_url": f"{reverse('account_signup')}?{urlencode({'next': volunteer_page})}",
            "login_url": f"{reverse('account_login')}?{urlencode({'next': volunteer_page})}",
            "back_query": urlencode({"postcode": form.cleaned_data.get("postcode", "")}) if form.is_valid() else "",
        },
    )
