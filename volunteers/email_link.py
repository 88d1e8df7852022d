"""The link in the verification email: one tap confirms the address and, while it is fresh,
signs the person in on whatever browser opens it (often a mail app's own, not the one that
signed up).

allauth signs in on confirmation only in the browser whose session holds the pending sign-up
(allauth.account.internal.flows.email_verification.login_on_verification), because a link that
signs in is a key to the account for anyone who reads it later (logs, forwarded mail, a shared
phone). Ours narrows what such a link can do instead:

- single use: it signs in only in the request that turns the address from unverified to
  verified, with the address row locked, so two concurrent opens sign in once at most, and a
  link already used (the address is verified) never signs in again;
- short: only within LINK_SIGN_IN_SECONDS of its sending (the signed key carries its time);
  later it still confirms the address (allauth's ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS) and the
  person signs in with their password;
- never for accounts that need more than a password: staff of an association, platform admins,
  anyone with two-factor authentication. Those confirm and sign in through the usual form;
- never in a browser where someone else is signed in: their session ends, nobody's opens.
"""

from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.email_verification import verify_email_and_resume
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth import logout
from django.core import signing
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from liens.accounts.policy import mfa_enabled, staff_roles

from .destination import destination_of, destination_query, destination_remember

# How long after sending a verification link may still sign the person in (one hour).
LINK_SIGN_IN_SECONDS = 3600
# allauth's own notices that the link's single message replaces (the account adapter skips them
# on requests carrying the flag).
QUIET_FLAG = "_liens_email_link"
QUIET_TEMPLATES = ("account/messages/email_confirmed.txt", "account/messages/logged_in.txt")


def link_may_sign_in(user) -> bool:
    """Whether an email link may sign `user` in: an active account that needs nothing more than
    a password (no staff role, no platform admin, no second factor)."""
    return bool(user.is_active and not user.is_staff and not staff_roles(user) and not mfa_enabled(user))


def _address_id(key: str, *, max_age: int) -> int | None:
    try:
        return int(signing.loads(key, max_age=max_age, salt=account_settings.SALT))
    except (signing.BadSignature, TypeError, ValueError):  # SignatureExpired is a BadSignature
        return None


def confirmation_url(request, confirmation) -> str:
    """The absolute address of the link for `confirmation` (the account adapter puts it in the
    email), carrying where the person was going when they signed up."""
    path = reverse("volunteers:confirm_email", kwargs={"key": confirmation.key}) + destination_query(request)
    return request.build_absolute_uri(path) if request is not None else path


@require_GET
@never_cache
def confirm_email(request, key: str):
    """Confirm the address of the link's key on GET (no second tap) and sign its owner in while
    the link is fresh and unused (see the module's docstring); else say what to do."""
    expire = account_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS * 24 * 3600
    address_id = _address_id(key, max_age=expire)
    fresh = _address_id(key, max_age=LINK_SIGN_IN_SECONDS) is not None
    if address_id is None:
        return render(request, "account/email_confirm.html", {"confirmation": None}, status=404)
    with transaction.atomic():
        # The lock makes "unverified, then verified by this request" one step: a second open of
        # the same link waits here, then finds the address verified and signs nobody in.
        address = (
            EmailAddress.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=address_id, verified=False)
            .first()
        )
        if address is None:
            return _already_used(request, address_id)
        someone_else = request.user.is_authenticated and request.user.pk != address.user_id
        if someone_else:
            # Someone else's session on this browser ends (as allauth does), and the link does not
            # open its owner's in its place: a link pushed on a signed-in person must not swap them
            # into another account unnoticed.
            logout(request)
        setattr(request, QUIET_FLAG, True)
        verified, response = verify_email_and_resume(request, EmailConfirmationHMAC(address))
    if verified is None:
        return render(request, "account/email_confirm.html", {"confirmation": None}, status=404)
    user = address.user
    if response is not None or request.user.is_authenticated:
        # The browser that signed up (allauth resumed its sign-in), or the owner signed in already:
        # the wizard's next step first, then where they were going (allauth's own redirect would
        # skip the wizard).
        messages.success(request, _("Your address is confirmed. Welcome to Liens!"))
        destination_remember(request, destination_of(request))
        return redirect(get_adapter(request).get_signup_redirect_url(request))
    if fresh and not someone_else and link_may_sign_in(user):
        messages.success(request, _("Your address is confirmed. Welcome to Liens!"))
        response = perform_login(
            request, user, email_verification=account_settings.EMAIL_VERIFICATION, signup=True, email=address.email
        )
        if not request.user.is_authenticated:
            return response  # allauth refused the sign-in and says why
        # The wizard's next step first, then where they were going (kept in the session that
        # login() just opened): allauth would follow the link's `next` at once, past the wizard.
        destination_remember(request, destination_of(request))
        return redirect(get_adapter(request).get_signup_redirect_url(request))
    messages.info(request, _("Your email address is confirmed. Sign in with your password to continue."))
    return redirect("account_login")


def _already_used(request, address_id: int):
    """A link whose address is verified already: never a sign-in; the signed-in owner goes on."""
    if request.user.is_authenticated and EmailAddress.objects.filter(pk=address_id, user=request.user).exists():
        return redirect(get_adapter(request).get_signup_redirect_url(request))
    messages.info(request, _("This link was already used: your address is confirmed. Sign in to continue."))
    return redirect("account_login")
