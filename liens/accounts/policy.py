"""Who must do what to stay signed in: one home for each account-security rule."""

import contextlib
import functools
from datetime import datetime

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from liens.lib.compiled import compiled
from liens.scopes import scopes_disabled

# Membership.Role.MANAGER, by value: liens imports nothing from missions.
MANAGER_ROLE = "manager"


# The request's signed-in user carries this mark from AccountSecurityMiddleware until its answer
# is out: only then are the user's memberships remembered on it. A user object that outlives a
# request (a test's, a task's, the one a sign-in hands over) reads them afresh every time.
REQUEST_USER_MARK = "_liens_request_user"
_MEMBERSHIPS = "_liens_memberships"
_HAS_VOLUNTEER = "_liens_has_volunteer"
# The related name of volunteers.Volunteer.user, by value: liens imports nothing from volunteers.
VOLUNTEER = "volunteer"


def staff_memberships(user) -> frozenset[tuple[int, str]]:
    """The user's (association id, role) pairs. Read once per request: the middleware, the menu,
    these rules, the staff scope and the permission checks (missions.scoping) share the answer."""
    return frozenset((association_id, role) for association_id, role, _kind in _membership_rows(user))


def staff_roles_by_kind(user) -> frozenset[tuple[str, str]]:
    """The user's (kind of organisation, role) pairs, e.g. ("home_care", "manager"): the same
    manager role means other pages in an association and in a home-care service (the menu)."""
    return frozenset((kind, role) for _association_id, role, kind in _membership_rows(user))


def _membership_rows(user) -> frozenset[tuple[int, str, str]]:
    memberships = getattr(user, _MEMBERSHIPS, None)
    if memberships is None:
        # The user's own memberships, read on every page (menu, session length) whatever the scope.
        with scopes_disabled("a user's own memberships, to choose their menu, session and scope"):
            memberships = frozenset(user.memberships.values_list("association_id", "role", "association__kind"))
        if getattr(user, REQUEST_USER_MARK, False):
            setattr(user, _MEMBERSHIPS, memberships)
    return memberships


def request_user(user_id: int, *, using: str = DEFAULT_DB_ALIAS):
    """The account with this id, read with what every signed-in page then asks of it, in one query
    (the sign-in backend's get_user, liens.accounts.backends); None when there is no such account.
    The rows wait on the user for remember_for_request, which reads them rather than the
    database: the account is read once per request, not once for the session and once more."""
    rows = _request_rows(user=user_id, using=using)
    if not rows:
        return None
    user = get_user_model().from_db(
        using, [attname for _, attname in _user_columns()], [rows[0][name] for name, _ in _user_columns()]
    )
    setattr(user, _ROWS_READ, rows)
    return user


def remember_for_request(user) -> None:
    """Let the request's signed-in user remember, until forget_memberships, what every page asks
    of it, read in one query rather than one each: its memberships (staff_memberships), whether
    it has a volunteer profile (the menu, has_volunteer_profile), that profile's row (the
    volunteer's pages) and its associations' rows (the staff pages, remembered_association).
    Read with the account itself when the sign-in backend read it (request_user)."""
    setattr(user, REQUEST_USER_MARK, True)
    rows = getattr(user, _ROWS_READ, None)
    if rows is None:
        rows = _request_rows(user=user.pk, using=user._state.db or DEFAULT_DB_ALIAS)
    else:
        delattr(user, _ROWS_READ)  # once: a later call (a test's, a service's) reads afresh
    if not rows:  # the account was deleted since the session read it: read lazily, as before
        return
    memberships = (
        (row[_ASSOCIATION], row["memberships__role"], row["memberships__association__kind"])
        for row in rows
        if row[_ASSOCIATION] is not None
    )
    setattr(user, _MEMBERSHIPS, frozenset(memberships))
    profile = _model_of(rows[0], VOLUNTEER, user._state.db)
    setattr(user, _HAS_VOLUNTEER, profile is not None)
    # `user.volunteer` answers from this row, or raises at once when there is none, rather than
    # asking the database (volunteers.selectors.volunteer_for_user; getattr(user, "volunteer", None)).
    relation = getattr(get_user_model(), VOLUNTEER).related
    relation.set_cached_value(user, profile)
    if profile is not None:
        relation.field.set_cached_value(profile, user)
    associations = {
        row[_ASSOCIATION]: _model_of(row, _ASSOCIATION_ROW, user._state.db) for row in rows if row[_ASSOCIATION]
    }
    setattr(user, _ASSOCIATIONS, associations)


def remembered_association(user, association_id: int):
    """The row of one of the request user's associations, read with its memberships
    (remember_for_request); None when not remembered (outside a request, or not theirs)."""
    return getattr(user, _ASSOCIATIONS, {}).get(association_id)


_ASSOCIATION = "memberships__association_id"
_ASSOCIATION_ROW = "memberships__association"
_ASSOCIATIONS = "_liens_associations"
# The rows request_user read with the account, until remember_for_request takes them.
_ROWS_READ = "_liens_request_rows"


@functools.cache
def _related_model(path: str):
    """The model at the end of a path of relations from the user (liens imports neither
    volunteers nor missions)."""
    model = get_user_model()
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


@functools.cache
def _user_columns() -> list[tuple[str, str]]:
    """(values() name, attribute) of every column of the user's own row."""
    return [(field.attname, field.attname) for field in get_user_model()._meta.concrete_fields]


@functools.cache
def _columns(path: str) -> list[tuple[str, str]]:
    """(values() name, attribute) of every column of the model at `path`."""
    return [(f"{path}__{field.name}", field.attname) for field in _related_model(path)._meta.concrete_fields]


def _model_of(row: dict, path: str, db: str):
    """The model at `path` made from its columns in the row, as the ORM makes a row it reads;
    None when the row has none (no profile)."""
    columns = _columns(path)
    if row[f"{path}__{_related_model(path)._meta.pk.name}"] is None:  # no such row (no profile)
        return None
    return _related_model(path).from_db(db, [attname for _, attname in columns], [row[name] for name, _ in columns])


@compiled(user=int)
def _request_rows(*, user: int):
    """Every signed-in request asks this: compiled once (liens.lib.compiled). A join from the
    user's own row: the tenant scope filters Membership's manager, not this, and a user's own
    memberships are read whatever the scope (as in _membership_rows)."""
    columns = [name for path in (VOLUNTEER, _ASSOCIATION_ROW) for name, _ in _columns(path)]
    return (
        get_user_model()
        ._base_manager.filter(pk=user)
        .values(
            *(name for name, _ in _user_columns()),
            *columns,
            _ASSOCIATION,
            "memberships__role",
            "memberships__association__kind",
        )
    )


def forget_memberships(user) -> None:
    """Drop what staff_memberships, has_volunteer_profile, remembered_association and
    mfa_setup_pending remembered on this user object: at the end of the request, and in the
    services that give the user a membership, so the rest of their request sees it."""
    for name in (REQUEST_USER_MARK, _ROWS_READ, _MEMBERSHIPS, _HAS_VOLUNTEER, _ASSOCIATIONS, "_liens_mfa_pending"):
        with contextlib.suppress(AttributeError):
            delattr(user, name)  # through a request's lazy user too


def has_volunteer_profile(user) -> bool:
    """Whether the user has a volunteer profile (remembered for the request, see
    remember_for_request), without reading the profile itself."""
    remembered = getattr(user, _HAS_VOLUNTEER, None)
    return hasattr(user, VOLUNTEER) if remembered is None else remembered


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
