"""Who may act: the one home of "may user `by` do this to this association's data".

Every service in `missions` that acts for someone takes the acting user as `by` and calls one
of these checks first, before it reads or writes anything, so a service reached by any path (a
page, the API, a task, a later view) refuses an outsider the same way. Pages still 404 on what
a user may not see (scoping.py): these checks are the second lock, behind the door, and they
answer DomainError code "forbidden" (403 in the API).

A service that a periodic job or the seeds also run says so in its docstring and accepts
`by=None` for "the system"; every real user passes a check.
"""

from django.utils.translation import gettext_lazy as _

from liens.accounts.policy import staff_memberships
from liens.errors import DomainError

from .models import Match, Membership, Message
from .scoping import outreach_refusal, vetting_refusal

NOT_STAFF = _("Only the association's coordinators can do this.")
NOT_MANAGER = _("Only a manager of the association can do this.")
NOT_MEMBER = _("Only a manager or coordinator of the person's association can do this.")
NOT_PLATFORM_ADMIN = _("Only a platform admin can do this.")
NOT_YOURS = _("Only the volunteer themselves or the association's coordinators can do this.")
NOT_IN_CONVERSATION = _("Only the match's volunteer and the association's staff take part in its conversation.")


def _forbidden(message) -> DomainError:
    return DomainError(message, code="forbidden")


def _signed_in(by) -> bool:
    return by is not None and by.is_authenticated


def is_platform_admin(by) -> bool:
    """Whether `by` administers the platform (and may act for any association)."""
    return _signed_in(by) and by.is_staff


def staff_check(by, association_id: int, *, role: str | None = None, platform_admin: bool = True) -> None:
    """Refused unless `by` works for the association (with `role`, when given) or, unless
    `platform_admin` is False, administers the platform."""
    if platform_admin and is_platform_admin(by):
        return
    memberships = Membership.objects.filter(user_id=getattr(by, "pk", None), association_id=association_id)
    if role is not None:
        memberships = memberships.filter(role=role)
    if not (_signed_in(by) and memberships.exists()):
        if role == Membership.Role.MANAGER:
            raise _forbidden(NOT_MANAGER)
        raise _forbidden(NOT_STAFF if platform_admin else NOT_MEMBER)


def manager_check(by, association_id: int) -> None:
    """Refused unless `by` manages the association or administers the platform."""
    staff_check(by, association_id, role=Membership.Role.MANAGER)


def platform_admin_check(by) -> None:
    """Refused unless `by` administers the platform."""
    if not is_platform_admin(by):
        raise _forbidden(NOT_PLATFORM_ADMIN)


def outreach_check(by, association) -> None:
    """Refused unless `by` may reach people beyond the association's own records for it: its
    staff (or a platform admin), once the platform has validated it (scoping.outreach_refusal)."""
    refusal = outreach_refusal(by, association)
    if refusal is not None:
        raise _forbidden(refusal)


def vetting_check(by, association, *, volunteer, field: str | None = None) -> None:
    """Refused unless `by` may record a vetting step on `volunteer` for `association`
    (scoping.vetting_refusal)."""
    refusal = vetting_refusal(by, association, volunteer=volunteer)
    if refusal is not None:
        raise DomainError(refusal, field=field, code="forbidden")


def is_match_volunteer(by, match: Match) -> bool:
    """Whether `by` is the volunteer of `match`."""
    return _signed_in(by) and by.pk == match.volunteer.user_id


def match_party_check(by, match: Match) -> None:
    """Refused unless `by` is the match's volunteer, or staff of its mission's association (or
    a platform admin): the steps either side of a match may take."""
    if not is_match_volunteer(by, match):
        staff_check(by, match.mission.association_id)


def volunteer_self_check(by, volunteer) -> None:
    """Refused unless `by` is this volunteer or a platform admin: what only they decide."""
    if not (is_platform_admin(by) or (_signed_in(by) and by.pk == volunteer.user_id)):
        raise _forbidden(NOT_YOURS)


def conversation_side(by, match: Match) -> str | None:
    """Which side of the match's conversation `by` speaks for: the volunteer's, the staff's
    (a coordinator or manager of the mission's association), or None: nobody else reads it, a
    platform admin included: it is the association's exchange with its volunteer."""
    if is_match_volunteer(by, match):
        return Message.Side.VOLUNTEER
    if _signed_in(by) and any(member_of == match.mission.association_id for member_of, _r in staff_memberships(by)):
        return Message.Side.STAFF
    return None


def conversation_party_check(by, match: Match) -> str:
    """The side `by` speaks for in the match's conversation; refused for anyone else."""
    side = conversation_side(by, match)
    if side is None:
        raise _forbidden(NOT_IN_CONVERSATION)
    return side
