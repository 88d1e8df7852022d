"""Who must do what to stay signed in: one home for each account-security rule."""

from datetime import datetime

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.utils import timezone

from liens.scopes import scopes_disabled

# Membership.Role.MANAGER, by value: liens imports nothing from missions.
MANAGER_ROLE = "manager"


def staff_roles(user) -> frozenset[str]:
    """The user's roles in associations. Read once per request: the middleware, the menu and
    these rules share the answer on the request's user object."""
    roles = getattr(user, "_liens_staff_roles", None)
    if roles is None:
        # The user's own memberships, read on every page (menu, session length) whatever the scope.
        with scopes_disabled("a user's own memberships, to choose their menu and session"):
            memberships = user.memberships.values_list("role", flat=True)
        roles = user._liens_staff_roles = frozenset(memberships)
    return roles


def mfa_required(user) -> bool:
    """Platform admins and association managers must use two-factor authentication: they can
    validate associations, grant staff rights and read every person's file of a territory."""
    return bool(user.is_staff or MANAGER_ROLE in staff_roles(user))


def mfa_enabled(user) -> bool:
    """Whether the user signs in with a second factor (an authenticator app)."""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def mfa_setup_pending(user) -> bool:
    """The user's role requires two-factor authentication and they have not set it up yet
    (read once per request, like staff_roles)."""
    pending = getattr(user, "_liens_mfa_pending", None)
    if pending is None:
        pending = user._liens_mfa_pending = mfa_required(user) and not mfa_enabled(user)
    return pending


def has_short_session(user) -> bool:
    """Staff (platform admins and every association member) see beneficiaries' files: their
    sign-in ends after LIENS_STAFF_SESSION_AGE, "remember me" or not. Volunteers keep the long one."""
    return bool(user.is_staff or staff_roles(user))


def api_token_expired(token, *, now: datetime | None = None) -> bool:
    """A token dies LIENS_API_TOKEN_AGE after it was issued, and with any later password change."""
    now = now or timezone.now()
    if token.created <= now - settings.LIENS_API_TOKEN_AGE:
        return True
    changed = token.user.password_changed_at
    return changed is not None and token.created < changed
