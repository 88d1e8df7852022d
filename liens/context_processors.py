"""Template context shared by every page: which navigation the user gets."""

from dataclasses import dataclass
from functools import partial

from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from .accounts.policy import has_volunteer_profile, mfa_required, mfa_setup_pending, staff_roles, staff_roles_by_kind
from .lib.urls import cached_reverse
from .pwa import offline_key

# Association.Kind.HOME_CARE and Membership.Role.MANAGER, by value (liens imports nothing from
# missions): a home-care service's staff work from its own pages, whatever their role.
HOME_CARE_KIND = "home_care"
MANAGER_ROLE = "manager"

# A phone's bottom bar holds this many destinations; the others go to the header's menu.
BAR_SIZE = 4


@dataclass(frozen=True)
class Destination:
    """One place in the menu: where it is, its name (short for the bottom bar) and whether the
    current page belongs to it (aria-current)."""

    url: str
    label: str
    short: str
    current: bool = False


def _matches(request, namespace: str, url_names: set[str] | None = None) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace != namespace:
        return False
    return url_names is None or match.url_name in url_names


def _volunteer(request) -> list[Destination]:
    match = getattr(request, "resolver_match", None)
    name = match.url_name if match is not None and match.namespace == "volunteers" else None
    on_missions = name in {"home", "missions", "mission_detail", "mission_offer", "match_accept", "match_decline"}
    on_visits = name is not None and (name.startswith("visit") or name == "report_done")
    on_profile = name is not None and not (on_missions or on_visits)
    return [
        Destination(cached_reverse("volunteers:missions"), _("My missions"), _("Missions"), on_missions),
        Destination(cached_reverse("volunteers:visits"), _("My visits"), _("Visits"), on_visits),
        Destination(cached_reverse("volunteers:profile"), _("My profile"), _("Profile"), on_profile),
    ]


def _association_staff(request) -> list[Destination]:
    # Beneficiaries, missions, vetting, imports and staff are in the association's own menu.
    return [
        Destination(
            cached_reverse("association:home"),
            _("My association"),
            _("Association"),
            _matches(request, "association") or _matches(request, "privacy"),
        ),
        Destination(cached_reverse("alerts:queue"), _("Alerts"), _("Alerts"), _matches(request, "alerts")),
        Destination(
            cached_reverse("matching:proposals"), _("Match proposals"), _("Proposals"), _matches(request, "matching")
        ),
        Destination(
            cached_reverse("visits:attention"), _("Visits needing attention"), _("Visits"), _matches(request, "visits")
        ),
    ]


def _home_care_staff(request, *, manager: bool) -> list[Destination]:
    # A home-care service's staff record lien-social sessions for the people of its plans; its
    # managers also follow the month and download the statements. Nothing of the association
    # side: those pages are not theirs (missions.liensocial.views).
    on_sessions = _matches(request, "liensocial", {"home", "session-new"})
    destinations = [
        Destination(cached_reverse("liensocial:home"), _("My lien social sessions"), _("Sessions"), on_sessions),
    ]
    if manager:
        on_month = _matches(request, "liensocial", {"manager", "statement", "plan-statement"})
        destinations.append(
            Destination(
                cached_reverse("liensocial:manager"), _("The service's month and statements"), _("Month"), on_month
            )
        )
    return destinations


def _platform_admin(request, *, with_alerts: bool) -> list[Destination]:
    pending = _matches(request, "association", {"admin-pending"})
    destinations = [
        Destination(
            cached_reverse("association:admin-pending"), _("Associations to validate"), _("To validate"), pending
        )
    ]
    if with_alerts:
        destinations.append(
            Destination(cached_reverse("alerts:queue"), _("Alerts"), _("Alerts"), _matches(request, "alerts"))
        )
    destinations.append(Destination(cached_reverse("admin:index"), _("Administration"), _("Admin")))
    return destinations


def _anonymous(request) -> list[Destination]:
    name = request.resolver_match.url_name if getattr(request, "resolver_match", None) else None
    # The public catalogue comes first: what a visitor can do before having an account.
    return [
        Destination(
            cached_reverse("catalogue:list"), _("Open missions"), _("Missions"), _matches(request, "catalogue")
        ),
        Destination(cached_reverse("account_login"), _("Sign in"), _("Sign in"), name == "account_login"),
        Destination(
            cached_reverse("account_signup"), _("Become a volunteer"), _("Volunteer"), name == "account_signup"
        ),
        Destination(
            cached_reverse("association:join"),
            _("Register an association"),
            _("Association"),
            _matches(request, "association", {"join", "join-pending"}),
        ),
    ]


def _account(request) -> list[Destination]:
    name = request.resolver_match.url_name if getattr(request, "resolver_match", None) else None
    return [
        Destination(
            cached_reverse("account_notifications"),
            _("Notifications"),
            _("Notifications"),
            name == "account_notifications",
        ),
        Destination(
            cached_reverse("account_language"), _("Language of messages"), _("Language"), name == "account_language"
        ),
        Destination(cached_reverse("mfa_index"), _("Account security"), _("Security"), name == "mfa_index"),
    ]


def navigation(request) -> dict[str, list[Destination]]:
    """The role's main destinations (the phone's bottom bar, BAR_SIZE at most) and the rest of
    the menu (the header's). Every role's entries are URL reversals: no query."""
    user = request.user
    if not user.is_authenticated:
        return {"bar": _anonymous(request), "more": []}
    if mfa_setup_pending(user):
        # Only the setup is open (liens.accounts.middleware): the role's pages are not offered.
        return {"bar": [], "more": [_account(request)[-1]]}
    main: list[Destination] = []
    roles = staff_roles_by_kind(user)
    home_care = {role for kind, role in roles if kind == HOME_CARE_KIND}
    staff = any(kind != HOME_CARE_KIND for kind, _role in roles)
    if user.is_staff:
        main += _platform_admin(request, with_alerts=not staff)
    if staff:
        main += _association_staff(request)
    if home_care:
        main += _home_care_staff(request, manager=MANAGER_ROLE in home_care)
    if has_volunteer_profile(user):
        main += _volunteer(request)
    return {"bar": main[:BAR_SIZE], "more": main[BAR_SIZE:] + _account(request)}


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "is_volunteer": False,
            "is_association_staff": False,
            "is_platform_admin": False,
            "nav": SimpleLazyObject(partial(navigation, request)) if user is not None else None,
            "offline_key": "",
        }
    # Both read what the request's user remembers (liens.accounts.policy.remember_for_request).
    return {
        "is_volunteer": has_volunteer_profile(user),
        "is_association_staff": bool(staff_roles(user)),
        "is_platform_admin": user.is_staff,
        # Called only by the pages that show it (templates call callables), so no query elsewhere.
        "mfa_required": partial(mfa_required, user),
        # Until then the role's pages are closed (liens.accounts.middleware): the menu hides them.
        "mfa_setup_pending": partial(mfa_setup_pending, user),
        "nav": SimpleLazyObject(partial(navigation, request)),
        "offline_key": offline_key(user),
    }
