"""What the association-side writes share: the postcode rule, locating an address, a message
translated when rendered, and the manager-only check."""

import re

from django.utils.functional import lazy
from django.utils.translation import gettext as _

from liens.errors import DomainError
from liens.geocoding import geocode
from missions.models import Association, Membership

POSTCODE_RE = re.compile(r"^\d{5}$")


def later(message, **params):
    """A message translated when rendered, not now: notify() renders in the recipient's language."""
    return lazy(lambda: str(message) % params if params else str(message), str)()


def address_locate(*, address: str, postcode: str, city: str):
    """The point for an address, falling back to the postcode's centroid; None when unknown.

    A missing point never blocks a record: the coordinator can still follow the person, only
    distance-based suggestions need it, and the page says the address was not located.
    """
    return geocode(f"{address}, {postcode} {city}") or geocode(f"{postcode} {city}")


def require_manager(*, association: Association, user) -> None:
    """Refused unless `user` manages `association` (site staff may act for any association)."""
    if user.is_authenticated and user.is_staff:
        return
    if not Membership.objects.filter(association=association, user=user, role=Membership.Role.MANAGER).exists():
        raise DomainError(_("Only a manager of the association can do this."))
