"""Who must do what to stay signed in: one home for each account-security rule."""

from datetime import datetime

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.utils import timezone

from liens.scopes import scopes_disabled

# Membership.Role.MANAGER, by value: liens imports nothing from missions.
MANAGER_ROLE = "manager"


def staff_memberships(user) -> frozenset[tuple[int, str]]:
    """The user's (association id, role) pairs. Read once per request: the middleware, the menu,
    these rules, the staff scope and the permission checks (missions.scoping) share the answer
    on the request's user object, which AuthenticationMiddleware loads afresh for each request."""
    memberships = getattr(user, "_liens_memberships", None)
    if memberships is None:
        # The user's own memberships, read on every page (menu, session length) whatever the scope.
        with scopes_disabled("a user's own memberships, to choose their menu, session and scope"):
            rows = user.memberships.values_list("association_id", "role")
            memberships = user._liens_memberships = frozenset(rows)
    return memberships


def forget_memberships(user) -> None:
    """Drop what staff_memberships remembered on this user object: for the services that give
    the user a membership, so the rest of their request sees it."""
    user.__dict__.pop("_liens_memberships", None)
    user.__dict__.pop("_liens_mfa_pending", None)


def staff_roles(user) -> frozenset[str]:
    """The user's roles in associations (read with staff_memberships, once per request)."""
    return frozenset(role for _association_id, role in staff_memberships(user))


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
