"""Tenant scoping: the one place that decides which association data a user may see.

Staff see only their own associations' rows; platform admins see all; anyone else sees
nothing. Views and API endpoints fetch through these helpers, so an object outside the
user's scope answers 404 — never a 403 that would confirm it exists.
"""

from django.db.models import Model, QuerySet
from django.http import Http404

from .models import Membership


def association_ids_for(user) -> list[int] | None:
    """Association ids the user works for; None means every association (platform admin)."""
    if not user.is_authenticated:
        return []
    if user.is_staff:
        return None
    return list(Membership.objects.filter(user=user).values_list("association_id", flat=True))


def scoped(queryset: QuerySet, user, *, via: str = "association") -> QuerySet:
    """Restrict `queryset` to rows whose `via` association the user may see.

    `via` is the lookup path from the model to its association, e.g. "association",
    "beneficiary__association" or "mission__association".
    """
    ids = association_ids_for(user)
    if ids is None:
        return queryset
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
    memberships = Membership.objects.filter(user=user, association_id=association_id)
    if role:
        memberships = memberships.filter(role=role)
    return memberships.exists()
