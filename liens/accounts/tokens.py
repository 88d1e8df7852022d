"""API tokens: issued for a password (and a code where two-factor authentication is on), through
the same rate limiter as the sign-in form; refused once expired or older than a password change."""

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from liens.errors import DomainError

from .policy import api_token_expired, mfa_setup_pending


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing tokens past their age or older than a password change."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if api_token_expired(token):
            raise AuthenticationFailed(_("This token has expired or was revoked. Ask for a new one."))
        return user, token


def _too_many_attempts() -> DomainError:
    return DomainError(_("Too many failed sign-in attempts. Please wait a few minutes."), code="throttled")


def api_token_issue(*, request, email: str, password: str, code: str = "") -> Token:
    """Return the user's API token, issuing a fresh one if theirs has expired (writes a Token row).

    `request` is Django's HttpRequest: allauth's limiter counts failures by address and by IP in
    the shared cache, exactly as for the sign-in form."""
    adapter = get_account_adapter(request)
    try:
        user = adapter.authenticate(request, email=email.lower(), password=password)
    except forms.ValidationError as error:
        # allauth's only refusal before checking the password: its limiter.
        raise _too_many_attempts() from error
    if user is None or not EmailAddress.objects.filter(user=user, verified=True).exists():
        raise DomainError(_("Wrong email or password, or email not verified yet."))
    if mfa_setup_pending(user):
        raise DomainError(
            _("Your role requires two-factor authentication. Set it up on the site before using the API."),
            code="mfa_setup_required",
        )
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is not None and not TOTP(totp).validate_code(code.strip()):
        # A wrong code counts as a failed sign-in, so codes cannot be guessed behind a known password.
        try:
            adapter.pre_authenticate(request, email=email.lower())
        except forms.ValidationError as error:
            raise _too_many_attempts() from error
        raise DomainError(_("Enter the current code from your authenticator app."), field="code")
    with transaction.atomic():
        token, created = Token.objects.select_for_update().get_or_create(user=user)
        if not created and api_token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
    return token


def api_token_revoke(*, user) -> None:
    """Delete the user's API token, if any (idempotent); the next request with it is refused."""
    Token.objects.filter(user=user).delete()
