"""The sign-in form answering 429 when its limiter refuses, the admin's door, token revocation."""

from allauth.account.decorators import secure_admin_login
from allauth.account.views import LoginView as AllauthLoginView
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from .tokens import api_token_revoke


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


class TokenRevokeView(APIView):
    """Revoke the caller's API token: the next request with it is refused."""

    @extend_schema(operation_id="auth_token_revoke", request=None, responses={204: None}, tags=["auth"])
    def post(self, request):
        api_token_revoke(user=request.user)
        return Response(status=204)
