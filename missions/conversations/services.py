"""Writes of a match's conversation: posting a message (and telling the other side through the
outbox, grouped), moving a reader's marker, and erasing messages under the privacy rules.

Grouping: a "new messages" notice is keyed by the recipient's read marker at the time of the
message, so every message written while they have not read shares one outbox row (the dedup key
makes later writes no-ops) due a few minutes after the first. Once they read, their marker moves:
the outbox guard drops a notice not yet sent, and the next message opens a new batch.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liens.errors import DomainError
from liens.notify import notify, site_url
from missions.alerts.notifications import staff_to_tell
from missions.models import ConversationRead, Match, Membership, Message
from missions.models.conversations import MESSAGE_MAX_LENGTH
from missions.permissions import conversation_party_check
from volunteers.models import Volunteer

from .selectors import conversation_is_open

# How long a first unread message waits before its notice leaves: replies that follow within it
# join the same notice, and a reader who opens the conversation meanwhile gets none.
NOTIFY_AFTER = datetime.timedelta(minutes=5)
NOTICE_KIND = "conversation_messages"

EMPTY = _("Write a message before sending.")
TOO_LONG = _("A message has at most %(limit)s characters; this one has %(count)s.")
CLOSED = _("This match has ended: its conversation can still be read but takes no new messages.")


def message_clean(body: str) -> str:
    """The message as stored: trimmed, refused when empty or too long (the one home of the rule)."""
    text = (body or "").strip()
    if not text:
        raise DomainError(EMPTY, field="body")
    if len(text) > MESSAGE_MAX_LENGTH:
        raise DomainError(TOO_LONG % {"limit": MESSAGE_MAX_LENGTH, "count": len(text)}, field="body")
    return text


def message_post(*, match: Match, by, body: str, now: datetime.datetime | None = None) -> Message:
    """Post `body` on the match's conversation as `by` (its volunteer, or staff of the mission's
    association), mark it read for its author, and write the other side's "new messages" notice
    (grouped, see the module). Refused on an ended match. Not idempotent: each call is a message."""
    side = conversation_party_check(by, match)
    text = message_clean(body)
    now = now or timezone.now()
    with transaction.atomic():
        # The lock orders a message against the match ending at the same moment.
        status = Match.objects.select_for_update(of=("self",)).values_list("status", flat=True).get(pk=match.pk)
        match.status = status
        if not conversation_is_open(match):
            raise DomainError(CLOSED, field="body")
        message = Message.objects.create(match=match, side=side, author=by, body=text, sent_at=now)
        _marker_move(match=match, user=by, up_to=message.pk, now=now)
        _tell_the_other_side(match=match, message=message, now=now)
    return message


def conversation_read(*, match: Match, by, up_to: int | None = None, now: datetime.datetime | None = None) -> int:
    """Mark the match's conversation read by `by` up to message `up_to` (default: the latest).
    Moves forward only; idempotent. Returns the marker after the call."""
    conversation_party_check(by, match)
    latest = Message.objects.filter(match=match).order_by("-pk").values_list("pk", flat=True).first() or 0
    up_to = latest if up_to is None else min(up_to, latest)
    with transaction.atomic():
        return _marker_move(match=match, user=by, up_to=up_to, now=now or timezone.now())


def _marker_move(*, match: Match, user, up_to: int, now: datetime.datetime) -> int:
    moved = ConversationRead.objects.filter(match=match, user=user, last_read_id__lt=up_to).update(
        last_read_id=up_to, read_at=now
    )
    if not moved:
        # No row yet, or one already at or past `up_to`: insert, leaving an existing row alone
        # (ON CONFLICT DO NOTHING also settles two first reads racing).
        ConversationRead.objects.bulk_create(
            [ConversationRead(match=match, user=user, last_read_id=up_to, read_at=now)], ignore_conflicts=True
        )
    return max(up_to, 0)


def _recipients(match: Match, side: str) -> list:
    """Who hears of a message: the volunteer, for the staff's; the association's coordinators
    (all its staff when it has none), for the volunteer's. Managers are not told one by one:
    they read the conversation on the match page when they follow it."""
    if side == Message.Side.STAFF:
        user = match.volunteer.user
        return [user] if user.is_active else []
    association_id = match.mission.association_id
    return staff_to_tell(association_ids=[association_id], role=Membership.Role.COORDINATOR).get(association_id, [])


def _tell_the_other_side(*, match: Match, message: Message, now: datetime.datetime) -> None:
    recipients = _recipients(match, message.side)
    if not recipients:
        return
    markers = dict(
        ConversationRead.objects.filter(match=match, user__in=recipients).values_list("user_id", "last_read_id")
    )
    association = match.mission.association
    to_staff = message.side == Message.Side.VOLUNTEER
    if not to_staff:
        url = site_url(reverse("volunteers:conversation", args=[match.pk]))
        writer = association.name
    else:
        url = site_url(reverse("matching:match", args=[match.pk])) + "#conversation"
        writer = str(match.volunteer)
    for recipient in recipients:
        read_up_to = markers.get(recipient.pk, 0)
        # No message text in the notice: a text message or an email lies on a lock screen, and
        # the conversation may speak of the person visited. The link leads to it, signed in.
        notify(
            recipient=recipient,
            kind=NOTICE_KIND,
            context={"writer": writer, "association": association.name, "url": url, "to_staff": to_staff},
            dedup_key=f"conversation:{match.pk}:{recipient.pk}:{read_up_to}",
            due_at=now + NOTIFY_AFTER,
            payload={
                "tz": association.timezone,
                "guard": "conversation_unread",
                "match_id": match.pk,
                "side": message.side,
                "read_up_to": read_up_to,
            },
        )


# --- privacy ----------------------------------------------------------------------------------


def volunteer_messages_erase(*, volunteer: Volunteer) -> int:
    """Delete the conversations of every match of a volunteer who leaves (their words and the
    staff's words to them), with the read markers. Run inside volunteers.services.volunteer_leave's
    transaction (through missions.volunteer.services.volunteer_matches_end). Idempotent."""
    ConversationRead.objects.filter(match__volunteer=volunteer).delete()
    deleted, _by_model = Message.objects.filter(match__volunteer=volunteer).delete()
    return deleted


def beneficiaries_messages_erase(*, ids: list[int]) -> int:
    """Delete the conversations of the matches on missions for the people `ids`: free text that
    may speak of them (missions.privacy.erasure.beneficiaries_anonymise). Idempotent."""
    deleted, _by_model = Message.objects.filter(match__mission__beneficiary_id__in=ids).delete()
    return deleted
