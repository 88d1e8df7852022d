"""Template filters for the data-protection pages."""

from django import template

from missions.models import Membership
from missions.scoping import is_staff_of

register = template.Library()


@register.filter
def manages(user, association) -> bool:
    """Whether the user may read the association's processing register (managers, platform admins)."""
    if not association or not user.is_authenticated:
        return False
    return user.is_staff or is_staff_of(user, association.pk, role=Membership.Role.MANAGER)
