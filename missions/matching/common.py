"""What the match services share: locking a match, the reason a step needs, the words that
name the people, and the messages that tell the other side."""

from __future__ import annotations

import calendar
import datetime
import functools
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from liens.errors import DomainError
from liens.models import User
from liens.notify import notification_rows, notify_many, site_url
from missions.models import Match, Mission
from missions.permissions import is_match_volunteer
from volunteers.models import Volunteer


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def site_link(name: str, *args) -> str:
    """The full address of a page, for a message."""
    return site_url(reverse(name, args=args))


def _told(*, recipient: User, kind: str, dedup_key: str, subject, message, params: dict, link: str = "") -> list:
    """The unsaved outbox rows of one message, worded in the recipient's language (the outbox
    renders it there too)."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        context = {"subject": str(subject % params), "message": str(message % params), "link": link}
    return notification_rows(recipient=recipient, kind=kind, context=context, dedup_key=dedup_key)


def tell(*, recipient: User, kind: str, dedup_key: str, subject, message, params: dict, link: str = "") -> None:
    """One outbox message, worded in the recipient's language."""
    notify_many(
        _told(
            recipient=recipient,
            kind=kind,
            dedup_key=dedup_key,
            subject=subject,
            message=message,
            params=params,
            link=link,
        )
    )


def _staff(association_id: int) -> list[User]:
    return list(User.objects.filter(memberships__association_id=association_id, is_active=True).distinct())


def tell_staff(*, association_id: int, kind: str, dedup_key: str, subject, message, params, link="") -> None:
    """The message to every active staff member, each in their language, written at once."""
    rows = []
    for user in _staff(association_id):
        rows += _told(
            recipient=user,
            kind=kind,
            dedup_key=f"{dedup_key}:u{user.pk}",
            subject=subject,
            message=message,
            params=params,
            link=link,
        )
    notify_many(rows)


@dataclass(frozen=True)
class Message:
    kind: str
    dedup_key: str
    subject: str
    message: str
    link: str = ""


def tell_the_other_side(*, match: Match, by, params: dict, to_staff: Message, to_volunteer: Message) -> None:
    """A step either side may take: the match's volunteer took it, so its association's staff are
    told; or staff took it, so the volunteer is."""
    if is_match_volunteer(by, match):
        told, send = to_staff, functools.partial(tell_staff, association_id=match.mission.association_id)
    else:
        told, send = to_volunteer, functools.partial(tell, recipient=match.volunteer.user)
    send(
        kind=told.kind,
        dedup_key=told.dedup_key,
        subject=told.subject,
        message=told.message,
        params=params,
        link=told.link,
    )


def locked(match: Match) -> Match:
    return (
        Match.objects.select_for_update(of=("self",))
        .select_related("mission__association", "mission__beneficiary", "volunteer__user")
        .get(pk=match.pk)
    )


def lock_volunteer(volunteer: Volunteer) -> None:
    # Serialises concurrent proposals and offers for this volunteer, so max_commitments holds.
    list(Volunteer.objects.select_for_update().filter(pk=volunteer.pk).values_list("pk", flat=True))


def reason_given(reason: str, *, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give a reason."), field=field)
    return str(reason)[:200]


def who(match: Match) -> dict:
    mission = match.mission
    return {
        "volunteer": match.volunteer.user.get_full_name() or match.volunteer.user.email,
        "mission": mission.title,
        "person": mission.beneficiary.display_name if mission.beneficiary_id else mission.place,
    }


def mission_places_taken(mission: Mission) -> int:
    """Regular (not stand-in) matches holding a place for good: active or paused."""
    return mission.matches.filter(status__in=[Match.Status.ACTIVE, Match.Status.PAUSED], covers__isnull=True).count()
