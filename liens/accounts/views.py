"""The sign-in form answering 429 when its limiter refuses, the admin's door, API tokens
(issued for a password and code, revoked by their holder)."""

from allauth.account.decorators import secure_admin_login
from allauth.account.views import LoginView as AllauthLoginView
from allauth.mfa.base.views import IndexView
from allauth.mfa.totp.views import activate_totp as allauth_activate_totp
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from liens.errors import DomainError
from liens.forms import LanguageForm, form_apply_domain_error
from liens.services import user_language_set

from .policy import api_token_expired
from .tokens import api_token_issue, api_token_revoke

# The authenticator set-up page draws its QR code as a data: image; only this page allows them.
activate_totp = csp_update({"img-src": ["data:"]})(allauth_activate_totp)


class LoginView(AllauthLoginView):
    """allauth's sign-in, answering 429 (not 200) when the failed-attempts limiter refuses."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if any(error.code == "too_many_login_attempts" for error in form.non_field_errors().as_data()):
            response.status_code = 429
        return response


login = LoginView.as_view()


def admin_login(admin_site):
    """The admin signs in through the site's own form (password, rate limit and two-factor code);
    its password-only form is never shown. A signed-in non-admin gets a 403, not a loop."""
    return secure_admin_login(admin_site.login)


class AccountSecurityView(IndexView):
    """allauth's two-factor page, which also shows the user's API token, if any, to revoke it."""

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        token = Token.objects.filter(user=self.request.user).select_related("user").first()
        if token is not None:
            context["api_token_expires_at"] = token.created + settings.LIENS_API_TOKEN_AGE
            context["api_token_dead"] = api_token_expired(token)
        context["api_token"] = token
        return context


security = AccountSecurityView.as_view()


@require_http_methods(["GET", "POST"])
@login_required
def language(request):
    """The language of the account's messages; the pages switch to it for this browser too."""
    form = LanguageForm(request.POST or None, initial={"language": request.user.language})
    if request.method == "POST" and form.is_valid():
        try:
            user_language_set(user=request.user, language=form.cleaned_data["language"], by=request.user)
        except DomainError as exc:
            form_apply_domain_error(form, exc)
        else:
            chosen = request.user.language
            # Said in the chosen language, which the message names ("…now in English" / "…en français").
            with translation.override(chosen):
                messages.success(request, _("Saved: your messages and pages are now in English."))
            response = redirect("account_language")
            # What Django's language switch stores (the site keeps its other cookie defaults).
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, chosen, max_age=settings.LANGUAGE_COOKIE_AGE, samesite="Lax"
            )
            return response
    return render(request, "account/language.html", {"form": form})


@require_POST
@login_required
def api_token_revoke_page(request):
    api_token_revoke(user=request.user)
    messages.success(request, _("Your API token is revoked: apps using it are signed out."))
    return redirect("mfa_index")


class TokenRevokeView(APIView):
    """Revoke the caller's API token: the next request with it is refused."""

    @extend_schema(operation_id="auth_token_revoke", request=None, responses={204: None}, tags=["auth"])
    def post(self, request):
        api_token_revoke(user=request.user)
        return Response(status=204)


class AuthTokenIn(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"})
    code = serializers.CharField(required=False, allow_blank=True, help_text="Authenticator app code, if enabled.")


class AuthTokenOut(serializers.Serializer):
    token = serializers.CharField()


class TokenView(APIView):
    """Exchange a verified email and password (and the authenticator code, where two-factor
    authentication is on) for an API token; failures are limited as on the sign-in form."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    credential_door = True  # the schema documents the limiter's 429 (liens.api_schema)

    @extend_schema(operation_id="auth_token", request=AuthTokenIn, responses=AuthTokenOut, tags=["auth"])
    def post(self, request):
        serializer = AuthTokenIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        token = api_token_issue(
            request=request._request, email=data["email"], password=data["password"], code=data.get("code", "")
        )
        return Response({"token": token.key})
