"""Reads of a match's conversation: its messages as one participant sees them, unread counts
for the lists (one aggregated query whatever the number of matches), and the outbox guard
that drops a "new messages" notice once its reader has caught up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Max, OuterRef, Q, Subquery

from liens.lib.compiled import Reading, compiled
from missions.models import ConversationRead, Match, Message

# A conversation shows its latest messages; older ones are history nobody scrolls on a phone.
SHOWN = 200

# A match that ended (or an offer declined or expired) keeps its conversation readable, closed
# to new messages: nobody is following it any more to answer.
CLOSED = (Match.Status.ENDED, Match.Status.DECLINED, Match.Status.EXPIRED)


def conversation_is_open(match: Match) -> bool:
    """Whether the match's conversation takes new messages (the one home of that rule)."""
    return match.status not in CLOSED


def other_side(side: str) -> str:
    return Message.Side.STAFF if side == Message.Side.VOLUNTEER else Message.Side.VOLUNTEER


@dataclass
class Conversation:
    """A match's conversation as one participant (`side`) sees it."""

    match: Match
    side: str
    messages: list[Message]
    read_up_to: int  # the reader's marker before this read
    is_open: bool

    @property
    def last_id(self) -> int:
        return self.messages[-1].pk if self.messages else 0

    @property
    def unread(self) -> int:
        return sum(1 for m in self.messages if m.side != self.side and m.pk > self.read_up_to)

    @property
    def first_unread_id(self) -> int | None:
        return next((m.pk for m in self.messages if m.side != self.side and m.pk > self.read_up_to), None)


def conversation_for(*, match: Match, user, side: str) -> Conversation:
    """The match's latest messages, oldest first, and how far `user` had read (two queries)."""
    latest = list(Message.objects.filter(match=match).select_related("author").order_by("-pk")[:SHOWN])
    read_up_to = (
        ConversationRead.objects.filter(match=match, user=user).values_list("last_read_id", flat=True).first() or 0
    )
    return Conversation(
        match=match, side=side, messages=latest[::-1], read_up_to=read_up_to, is_open=conversation_is_open(match)
    )


def _unread(messages, *, user, side: str):
    """Messages of the other side after `user`'s marker (none read: every one)."""
    marker = ConversationRead.objects.filter(match=OuterRef("match"), user=user).values("last_read_id")[:1]
    return (
        messages.exclude(side=side)
        .annotate(marker=Subquery(marker))
        .filter(Q(marker__isnull=True) | Q(pk__gt=F("marker")))
        .order_by()
    )


def unread_counts(*, user, side: str, match_ids: Iterable[int]) -> dict[int, int]:
    """Unread messages per match for `user` on `side`, for a list of matches (one query)."""
    ids = sorted(set(match_ids))
    if not ids:
        return {}
    return {row["match_id"]: row["count"] for row in _unread_of_matches(side, ids=ids, user=user.pk)}


def volunteer_unread(volunteer) -> dict[int, int]:
    """Unread messages per match of the volunteer, any match of theirs (one query)."""
    return volunteer_unread_reading(volunteer)()


def volunteer_unread_reading(volunteer) -> Reading:
    """volunteer_unread, to read with a page's other queries (liens.lib.compiled.together)."""
    return _unread_of_volunteer.later(volunteer=volunteer.pk, user=volunteer.user_id).then(
        lambda rows: {row["match_id"]: row["count"] for row in rows}
    )


# The volunteer's pages ask these at every visit: compiled once (liens.lib.compiled).
@compiled(ids=list, user=int)
def _unread_of_matches(side: str, *, ids: list[int], user: int):
    rows = _unread(Message.objects.filter(match_id__in=ids), user=user, side=side)
    return rows.values("match_id").annotate(count=Count("pk"))


@compiled(volunteer=int, user=int)
def _unread_of_volunteer(*, volunteer: int, user: int):
    rows = _unread(Message.objects.filter(match__volunteer=volunteer), user=user, side=Message.Side.VOLUNTEER)
    return rows.values("match_id").annotate(count=Count("pk"))


def conversations_still_unread(rows) -> set[int]:
    """Outbox guard "conversation_unread": ids of the "new messages" notices whose reader has not
    read the conversation since it was written (their marker has not moved) and whose messages
    are still there (not erased). Two queries per batch."""
    wanted = [(row, row.payload or {}) for row in rows]
    match_ids = {payload.get("match_id") for _row, payload in wanted}
    markers = {
        (match_id, user_id): last_read
        for match_id, user_id, last_read in ConversationRead.objects.filter(
            match_id__in=match_ids, user_id__in={row.recipient_id for row, _payload in wanted}
        ).values_list("match_id", "user_id", "last_read_id")
    }
    latest = {
        (match_id, side): last_id
        for match_id, side, last_id in Message.objects.filter(match_id__in=match_ids)
        .values_list("match_id", "side")
        .annotate(last_id=Max("pk"))
        .order_by()
    }
    keep = set()
    for row, payload in wanted:
        read_up_to = payload.get("read_up_to", 0)
        match_id = payload.get("match_id")
        if markers.get((match_id, row.recipient_id), 0) != read_up_to:
            continue  # read since: they have seen what the notice would tell them
        if latest.get((match_id, payload.get("side")), 0) > read_up_to:
            keep.add(row.pk)
    return keep


def volunteer_unread_conversations_reading(volunteer) -> Reading:
    """The volunteer's conversations with unread messages, and how many: their home's notice
    (one query, read with the page's others by liens.lib.compiled.together; a second for the
    conversations' names when there is something unread)."""
    return volunteer_unread_reading(volunteer).then(_named)


def _named(counts: dict[int, int]) -> list[tuple[Match, int]]:
    if not counts:
        return []
    return [(match, counts[match.pk]) for match in _matches_named(ids=sorted(counts))]


@compiled(ids=list)
def _matches_named(*, ids: list[int]):
    # The notice names each conversation's association: that column only, not three tables' every column.
    return (
        Match.objects.filter(pk__in=ids)
        .select_related("mission__association")
        .only("mission__association__name")
        .order_by("-pk")
    )
