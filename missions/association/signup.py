"""Registering an association from the home page: its manager's account and the association in
one form, for someone who has no account yet.

The account is allauth's: its sign-up form checks the address (unique, without telling a
stranger whether it is taken) and the password rules, and `complete_signup` sends the address
confirmation, as for a volunteer. Unlike the volunteer's sign-up no Volunteer profile is
created: the account adapter makes one only for a form that asks a volunteer's postcode, and
this one asks the association's. Someone already signed in registers an association with the
association form alone (views.signup); becoming a volunteer too is their own choice, never a
side effect of registering.

The association is then pending until a platform admin validates it (services.association_validate);
`pending` says what that means and what its manager can prepare meanwhile.
"""

from allauth.account import app_settings as allauth_settings
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows.signup import complete_signup
from allauth.decorators import rate_limit
from django import forms
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from liens.scopes import view_scopes_disabled
from missions.models import Membership
from missions.scoping import ASSOCIATION_SESSION_KEY, associations_for

from . import services
from .forms import AssociationSignupForm

# What the pending page may say to the visitor who just registered, before they can sign in:
# the association's name and the address the confirmation went to, kept in their own session.
REGISTERED_SESSION_KEY = "association_registered"


class ManagerAccountForm(AllauthSignupForm):
    """The manager's account: allauth's sign-up (email, password) plus their name."""

    first_name = forms.CharField(
        label=_("First name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    field_order = ["first_name", "last_name", "email", "password1"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Your email address")
        self.fields["email"].help_text = _("You sign in with it; we send a link to confirm it.")
        self.fields["password1"].help_text = _("At least 8 characters; not only digits, not a common password.")


class AssociationDetailsForm(AssociationSignupForm):
    """The association, as the signed-in form asks it; its contact address defaults to the manager's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name of the association")
        self.fields["contact_email"].required = False
        self.fields["contact_email"].help_text = _("Where families and partners write to you. Yours if left empty.")


def association_register(*, request, account_form: ManagerAccountForm, details: dict):
    """Create the manager's account (allauth, address unconfirmed) and the association awaiting
    validation, in one transaction: both or neither. Returns (user, association), or (None, None)
    when the address already has an account (allauth then mails its owner instead, so a stranger
    learns nothing). Not idempotent: each call registers one association."""
    if account_form.account_already_exists:
        account_form.try_save(request)  # allauth's answer to a taken address: a mail, no account
        return None, None
    details = details | {"contact_email": details.get("contact_email") or account_form.cleaned_data["email"]}
    with transaction.atomic():
        user = account_form.save(request)
        association = services.association_signup(user=user, **details)
    return user, association


@require_http_methods(["GET", "POST"])
@rate_limit(action="signup")  # the same door as the volunteer's sign-up, with the same limit
@view_scopes_disabled("registering a new association: nobody has a scope over it until it exists")
def register(request):
    """A visitor registers the association and their manager's account together; someone signed
    in registers it with the association form alone (views.signup)."""
    if request.user.is_authenticated:
        return redirect("association:signup")
    data = request.POST if request.method == "POST" else None
    account_form = ManagerAccountForm(data)
    association_form = AssociationDetailsForm(data)
    if data is not None and all([account_form.is_valid(), association_form.is_valid()]):  # both forms' errors
        try:
            user, association = association_register(
                request=request, account_form=account_form, details=association_form.cleaned_data
            )
        except DomainError as exc:
            form_apply_domain_error(association_form, exc)
        else:
            name = association.name if association else association_form.cleaned_data["name"]
            request.session[REGISTERED_SESSION_KEY] = {"name": name, "email": account_form.cleaned_data["email"]}
            if user is not None:
                request.session[ASSOCIATION_SESSION_KEY] = association.pk
                # Sends the confirmation mail and keeps the pending sign-in, so that confirming
                # the address in this browser signs the manager in, onto the pending page.
                complete_signup(
                    request,
                    user=user,
                    email_verification=allauth_settings.EMAIL_VERIFICATION,
                    redirect_url=reverse("association:join-pending"),
                )
            return redirect("association:join-pending")
    return render(
        request,
        "missions/association/register.html",
        {"account_form": account_form, "association_form": association_form},
    )


@require_GET
@view_scopes_disabled("the signed-in user's own associations, filtered by their memberships")
def pending(request):
    """What happens now: confirm the address, then a platform admin validates the association;
    meanwhile its manager may record the people they follow and prepare draft missions."""
    association = None
    if request.user.is_authenticated:
        mine = associations_for(request.user).filter(memberships__user=request.user)
        association = mine.filter(validated_at__isnull=True).order_by("-pk").first()
        if association is None:
            # Nothing of theirs waits any more: their work is on the association's pages.
            return redirect("association:home" if mine.exists() else "home")
        is_manager = association.memberships.filter(user=request.user, role=Membership.Role.MANAGER).exists()
        registered = {"name": association.name, "email": request.user.email}
    else:
        registered = request.session.get(REGISTERED_SESSION_KEY)
        if not registered:
            return redirect("association:join")
        is_manager = True
    return render(
        request,
        "missions/association/pending.html",
        {"association": association, "registered": registered, "is_manager": is_manager},
    )
