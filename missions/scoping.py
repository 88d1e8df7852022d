"""Tenant scoping: the one place that decides which association data a user may see.

Staff see only their own associations' rows; platform admins see all; anyone else sees
nothing. Views and API endpoints fetch through these helpers, so an object outside the
user's scope answers 404 — never a 403 that would confirm it exists.

The scope is also active by construction (liens.scopes): `staff_required` / `staff_view` for
the staff pages and the `StaffScope` permission for the staff API activate the user's staff
scope for the whole view, so every query on a tenant model — `Beneficiary.objects.all()`,
`beneficiary.missions.all()` — sees only the user's associations even where `scoped()` was
forgotten; and inside a request, a tenant query with no scope chosen raises ScopeError.
"""

import contextlib
import functools

from django.contrib.auth.decorators import login_required
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from liens.accounts.policy import remembered_association, staff_memberships
from liens.lib.compiled import compiled
from liens.scopes import scope_active, scope_current, scope_enter, scopes_disabled
from volunteers.models import Volunteer

from .models import Association, Match, Membership

# What a pending association's staff read wherever the platform holds something back.
AWAITING_VALIDATION = gettext_lazy(
    "Your association is awaiting validation by the platform. Meanwhile you can record your "
    "beneficiaries and prepare draft missions; volunteers, vetting and staff invitations open "
    "once a platform admin has validated it."
)
NOT_STAFF = gettext_lazy("Only the staff of a validated association can do this.")
NOT_ON_YOUR_OWN_PROFILE = gettext_lazy("Nobody records a vetting step on their own volunteer profile.")
NOT_ON_YOUR_DESK = gettext_lazy("This volunteer is not on your vetting desk.")
NOT_FOR_HOME_CARE = gettext_lazy(
    "A home-care service delivers the paid hours of lien social: it does not vet volunteers or post volunteer missions."
)


def association_ids_for(user) -> list[int] | None:
    """Association ids the user works for; None means every association (platform admin)."""
    if not user.is_authenticated:
        return []
    if user.is_staff:
        return None
    # The question that chooses the scope, asked before there is one: the user's own rows, read
    # once per request and shared with the menu and the session rules.
    return sorted({association_id for association_id, _role in staff_memberships(user)})


def scoped(queryset: QuerySet, user, *, via: str = "association") -> QuerySet:
    """Restrict `queryset` to rows whose `via` association the user may see.

    `via` is the lookup path from the model to its association, e.g. "association",
    "beneficiary__association" or "mission__association".

    Inside a staff view the active staff scope already filters tenant models (the model's own
    `tenant_path`), so scoped() is redundant there; it still narrows querysets built outside a
    staff view (a service called directly, a volunteer page).
    """
    ids = association_ids_for(user)
    return queryset if ids is None else scoped_to(queryset, ids, via=via)


def scoped_to(queryset: QuerySet, ids: list[int], *, via: str = "association") -> QuerySet:
    """`queryset` restricted to rows whose `via` association is one of `ids`: scoped() for a
    caller that holds the user's ids already (a compiled query, which takes them as values)."""
    return queryset.filter(**{f"{via}__in": ids})


def get_scoped_or_404(queryset: QuerySet, user, *, via: str = "association", **lookup) -> Model:
    """The one row matching `lookup` inside the user's scope, or Http404."""
    try:
        return scoped(queryset, user, via=via).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def is_staff_of(user, association_id: int, *, role: str | None = None) -> bool:
    """Whether the user works for this association (with this role, when given)."""
    if not user.is_authenticated:
        return False
    if user.is_staff and role is None:
        return True
    return any(
        member_of == association_id and (not role or member_role == role)
        for member_of, member_role in staff_memberships(user)
    )


def departement_of(postcode: str) -> str:
    """The département part of a French postcode: two digits, three overseas (971-976)."""
    postcode = (postcode or "").strip()
    return postcode[:3] if postcode.startswith("97") else postcode[:2]


def associations_for(user) -> QuerySet:
    """The associations the user may work on (all of them for a platform admin)."""
    # Filtered right here by the user's own ids, so it answers the same with or without a scope
    # (the association switch and the staff decorators ask it before a scope is active).
    with scopes_disabled("filtered by the user's own associations on the next line"):
        associations = Association.objects.all()
    return scoped(associations, user, via="id")


def switchable_associations(user):
    """The associations the user is a member of, to switch between on the staff home: nothing
    to offer, and no query, when they work for one only (their memberships are already read)."""
    member_of = {association_id for association_id, _role in staff_memberships(user)}
    if len(member_of) < 2:
        return []
    return associations_for(user).filter(pk__in=member_of).order_by("name", "pk")


def current_association(user, association_id: int | str | None = None):
    """The association a staff page works on: the one asked for if the user may, else their first.

    Raises Http404 when the user works for none (or asks for one outside their scope), so a
    volunteer or an outsider learns nothing from an association page.
    """
    asked = None
    if association_id not in (None, ""):
        try:
            asked = int(association_id)
        except ValueError as exc:
            raise Http404 from exc
    ids = association_ids_for(user)
    if ids is None:  # a platform admin: any association asked, else one of their memberships
        if asked is not None:
            found = _association(association=asked)
        else:
            # With a membership they land on it; without one there is no default.
            found = associations_for(user).filter(memberships__user=user).order_by("pk")[:1]
    elif asked is not None:
        found = _their_association(user, asked) if asked in ids else []
    else:  # their first (signed out, or no membership: none)
        found = _their_association(user, ids[0]) if ids else []
    if not found:
        raise Http404
    return found[0]


def _their_association(user, association_id: int) -> list:
    """One of the user's own associations, as read with their memberships when the request
    started (liens.accounts.policy.remembered_association), else from the database."""
    remembered = remembered_association(user, association_id)
    return [remembered] if remembered is not None else _association(association=association_id)


@compiled(association=int)
def _association(*, association: int):
    """One association by its id, which the caller has checked against the user's own (every
    staff page asks this: compiled once, liens.lib.compiled)."""
    with scopes_disabled("the caller checked the id against the user's associations"):
        return Association.objects.filter(pk=association)


# --- the staff pages -----------------------------------------------------------------------

# The association a staff page works on, once chosen with ?association=.
ASSOCIATION_SESSION_KEY = "association_id"


def staff_required(view):
    """The one check of every staff page: association staff and platform admins pass; anyone
    else (a volunteer, an outsider, someone signed out) gets 404, so they learn nothing.

    Sets `request.association_ids`, the ids the page may show (None: every association). Put it
    under `login_required` when signed-out people should be sent to the login page instead.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with staff_scope(_staff_ids_or_404(request)):
            return view(request, *args, **kwargs)

    return wrapper


def _staff_ids_or_404(request) -> list[int] | None:
    """The association ids a staff request may show, set on `request.association_ids` (None:
    every association); Http404 for anyone who is not staff."""
    ids = association_ids_for(request.user)
    if ids == []:
        raise Http404
    request.association_ids = ids
    return ids


@contextlib.contextmanager
def staff_scope(ids: list[int] | None):
    """The staff scope of `ids` (None: every association) for the view inside. In a request it
    lasts until the request ends (ScopeMiddleware takes it back), since a lazy response —
    a template rendered after the view returns, a streamed export — still reads rows; outside
    one (a view called directly) it lasts for the block."""
    if scope_current().kind == "open":
        with scope_active(ids):
            yield
    else:
        scope_enter(ids)
        yield


class StaffScope(BasePermission):
    """The one permission of the staff API: association staff and platform admins pass, with
    their staff scope active for the rest of the request; anyone else signed in (a volunteer, an
    outsider) gets 404, as on the staff pages, so they learn nothing. Someone signed out (or
    with a dead token) gets DRF's 401/403, as IsAuthenticated answered before.

    Sets `request.association_ids` like staff_required (None: every association)."""

    def has_permission(self, request, view) -> bool:
        if not request.user.is_authenticated:
            return False  # DRF's 401/403 for a missing or dead token, as IsAuthenticated answered
        scope_enter(_staff_ids_or_404(request))
        return True


def staff_view(view):
    """A staff page that works on one association (staff_required, then the association): sets
    `request.association`, the one asked with ?association= (remembered in the session) or the
    user's first. An association outside the user's scope answers 404.
    """

    @login_required
    @staff_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        asked = request.GET.get("association") or request.session.get(ASSOCIATION_SESSION_KEY)
        try:
            association = current_association(request.user, asked)
        except Http404:
            if not request.GET.get("association") and asked:
                # A remembered association the user no longer works for: fall back to the first.
                request.session.pop(ASSOCIATION_SESSION_KEY, None)
                association = current_association(request.user)
            else:
                raise
        if request.GET.get("association"):
            request.session[ASSOCIATION_SESSION_KEY] = association.pk
        request.association = association
        return view(request, *args, **kwargs)

    return wrapper


def volunteers_visible(
    user, *, association_ids: list[int] | None = None, association: Association | None = None
) -> QuerySet:
    """Volunteers staff may see: waiting for vetting in one of their départements, or in a live
    match with one of their missions. Platform admins see every volunteer.

    `association_ids` narrows the scope to some of the user's associations (a staff page works on
    one); it never widens it. `association`, the one a staff page already loaded, narrows it the
    same way to that one, without reading its validation and postcode again.
    """
    seen = volunteer_visibility(user, association_ids=association_ids, association=association)
    return Volunteer.objects.all() if seen is None else visible_volunteers(*seen)


def volunteer_visibility(
    user, *, association_ids: list[int] | None = None, association: Association | None = None
) -> tuple[list[int], list[str]] | None:
    """What volunteers_visible lets `user` see, as plain data: (the associations whose live
    matches show their volunteers, the départements whose volunteers waiting for vetting show),
    or None for every volunteer. What a compiled query of these volunteers is keyed by."""
    if association is not None:
        association_ids = [association.pk]
    allowed = association_ids_for(user)
    if allowed is None and association_ids is None:
        return None
    ids = association_ids if allowed is None else [i for i in (association_ids or allowed) if i in allowed]
    # A pending association sees no volunteer at all (outreach_refusal says why on its pages),
    # nor does a home-care service (home_care_refusal): its professionals are paid staff.
    if association is not None:
        sees = ids and association.validated_at and association.kind == Association.Kind.ASSOCIATION
        validated = [(association.pk, association.postcode)] if sees else []
    else:
        validated = Association.objects.filter(
            pk__in=ids, validated_at__isnull=False, kind=Association.Kind.ASSOCIATION
        ).values_list("pk", "postcode")
    ids = [pk for pk, _postcode in validated]
    departements = sorted({departement_of(postcode) for _pk, postcode in validated if postcode})
    return ids, departements


def visible_volunteers(association_ids: list[int], departements: list[str]) -> QuerySet:
    """The volunteers waiting for vetting in these départements, or in a live match with a
    mission of these associations (volunteer_visibility's answer)."""
    in_departement = Q()
    for prefix in departements:
        in_departement |= Q(postcode__startswith=prefix)
    # pk IN (their matches) rather than EXISTS: the same rows, and no constant number of its own
    # (EXISTS selects 1), so a compiled query of it holds only its associations' ids.
    live_match = Match.objects.filter(mission__association__in=association_ids, status__in=Match.LIVE)
    pending_here = Q(vetting_state=Volunteer.Vetting.PENDING, left_at__isnull=True) & in_departement
    if not in_departement:
        pending_here = Q(pk__in=[])
    return Volunteer.objects.filter(pending_here | Q(pk__in=live_match.values("volunteer")))


# --- who may reach people beyond their own records ------------------------------------------


def outreach_refusal(user, association) -> str | None:
    """Why `user` may not, for `association`, reach people beyond its own records — see or vet
    volunteers, have missions suggested or proposed to them, invite staff — or None when they may.

    The rule: the association is validated by the platform, and the user works for it (or is a
    platform admin acting for it). A pending association prepares its own beneficiaries and draft
    missions only: anyone can register one, so until an admin has checked it, it is nobody's
    authority over other people.
    """
    if user is None or not user.is_authenticated:
        return str(NOT_STAFF)
    if not (user.is_staff or is_staff_of(user, association.pk)):
        return str(NOT_STAFF)
    if association.validated_at is None:
        return str(AWAITING_VALIDATION)
    return None


def home_care_refusal(association) -> str | None:
    """Why `association` may not deal with volunteers at all — vet them, post missions for
    them — or None when it may: a home-care service (Association.Kind.HOME_CARE) delivers paid
    hours through its own professionals, volunteers are the associations' business."""
    if association is not None and association.kind == Association.Kind.HOME_CARE:
        return str(NOT_FOR_HOME_CARE)
    return None


def vetting_refusal(user, association=None, *, volunteer=None) -> str | None:
    """Why `user` may not vet volunteers — see a vetting desk, or record a step on `volunteer` —
    for `association`, or None when they may. The one home of the vetting rule: the desk pages,
    the API, missions' vetting_step_record and volunteers.vetting.vetting_record all ask it.

    Only the staff of a validated association (outreach_refusal), for volunteers on its desk
    (volunteers_visible), and never on their own volunteer profile — platform admins included.
    Without `association` the question is whether any of the user's associations would do.
    """
    if volunteer is not None and user is not None and volunteer.user_id == getattr(user, "pk", None):
        return str(NOT_ON_YOUR_OWN_PROFILE)
    if association is not None:
        refusal = home_care_refusal(association) or outreach_refusal(user, association)
        if refusal is not None:
            return refusal
        ids = [association.pk]
    elif user is None or not user.is_authenticated:
        return str(NOT_STAFF)
    elif user.is_staff:
        ids = None  # a platform admin sees every volunteer
    else:
        mine = Membership.objects.filter(user=user)
        if not mine.exists():
            return str(NOT_STAFF)
        ids = list(
            mine.filter(
                association__validated_at__isnull=False, association__kind=Association.Kind.ASSOCIATION
            ).values_list("association_id", flat=True)
        )
        if not ids:
            return str(AWAITING_VALIDATION)
    if volunteer is not None and not volunteers_visible(user, association_ids=ids).filter(pk=volunteer.pk).exists():
        return str(NOT_ON_YOUR_DESK)
    return None
