"""Staff pages of an organisation: its members and roles, invitations sent and accepted."""

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liens.errors import DomainError
from liens.forms import form_apply_domain_error
from liens.scopes import view_scopes_disabled
from missions.models import Invitation, Membership
from missions.scoping import (
    ASSOCIATION_SESSION_KEY,
    is_staff_of,
    outreach_refusal,
    staff_view,
)

from . import forms, selectors
from . import staff as staff_services
from .views import _own, manager_only


@require_http_methods(["GET", "POST"])
@staff_view
def staff(request):
    association = request.association
    is_manager = request.user.is_staff or is_staff_of(request.user, association.pk, role=Membership.Role.MANAGER)
    form = forms.InvitationForm(request.POST or None, association=association)
    # A pending association cannot invite yet: the page says why instead of offering the form.
    refusal = outreach_refusal(request.user, association) if is_manager else None
    if request.method == "POST":
        manager_only(request)
        if refusal is not None:
            messages.error(request, refusal)
            return redirect("association:staff")
        if form.is_valid():
            try:
                staff_services.invitation_send(association=association, by=request.user, **form.cleaned_data)
            except DomainError as exc:
                form_apply_domain_error(form, exc)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
                return redirect("association:staff")
    members, invitations = selectors.staff_list(association=association)
    return render(
        request,
        "missions/association/staff.html",
        {
            "association": association,
            "members": members,
            "invitations": invitations,
            "form": form,
            "is_manager": is_manager,
            "invite_refusal": refusal,
            "roles": association.staff_roles,
        },
    )


@require_POST
@staff_view
def staff_remove(request, membership_id: int):
    membership = _own(Membership, request, membership_id)
    try:
        staff_services.membership_remove(membership=membership, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s no longer works for the association.") % {"name": membership.user})
    return redirect("association:staff")


@require_POST
@staff_view
def staff_role(request, membership_id: int):
    membership = _own(Membership, request, membership_id)
    form = forms.RoleForm(request.POST, association=membership.association)
    if form.is_valid():
        try:
            staff_services.membership_role_set(membership=membership, role=form.cleaned_data["role"], by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Role changed."))
    return redirect("association:staff")


@require_POST
@staff_view
def invitation_revoke(request, invitation_id: int):
    invitation = _own(Invitation, request, invitation_id)
    try:
        staff_services.invitation_revoke(invitation=invitation, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Invitation withdrawn."))
    return redirect("association:staff")


@require_http_methods(["GET", "POST"])
@view_scopes_disabled("the invitation link's signed token names the one invitation it opens; the page shows only it")
def invitation_accept(request, token: str):
    """Public: the link from the invitation email. The signed token is the only key."""
    invitation = staff_services.invitation_from_link_token(token)
    if invitation is None:
        raise Http404
    expired = invitation.expires_at < timezone.now() and invitation.accepted_at is None
    needs_account = False
    account_form = None
    if not request.user.is_authenticated:
        needs_account = selectors.invitation_needs_account(invitation)
        account_form = forms.AccountOpenForm(request.POST or None) if needs_account else None
    if request.method == "POST" and not expired:
        try:
            user = request.user
            if user.is_authenticated:
                staff_services.invitation_accept(invitation=invitation, user=user)
            else:
                if not (account_form and account_form.is_valid()):
                    raise DomainError(_("Fill in your name and choose a password."))
                user = staff_services.invitation_accept_with_new_account(
                    invitation=invitation,
                    first_name=account_form.cleaned_data["first_name"],
                    last_name=account_form.cleaned_data["last_name"],
                    password=account_form.cleaned_data["password1"],
                )
        except DomainError as exc:
            if account_form is not None and exc.field:
                form_apply_domain_error(account_form, exc)
            else:
                messages.error(request, exc.message)
        else:
            if not request.user.is_authenticated:
                login(request, user, backend="liens.accounts.backends.ModelBackend")
            request.session[ASSOCIATION_SESSION_KEY] = invitation.association_id
            messages.success(request, _("Welcome to %(name)s.") % {"name": invitation.association.name})
            return redirect("association:home")
    return render(
        request,
        "missions/association/invitation.html",
        {
            "invitation": invitation,
            "expired": expired,
            "account_form": account_form,
            "needs_account": needs_account,
            "login_url": f"{reverse('account_login')}?next={request.path}",
        },
    )
