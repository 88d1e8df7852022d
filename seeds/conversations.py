"""A conversation on the demo volunteer's active match, written through the services with past
times: the volunteer asks, the coordinator answers, and the coordinator's last word is still
unread, so the volunteer's home shows it."""

from __future__ import annotations

import datetime as dt

from missions.conversations.services import conversation_read, message_post
from missions.models import Match, Membership
from seeds import territory as T

EXCHANGE = [
    # (days ago, hour, who, text)
    (
        6,
        (18, 10),
        "volunteer",
        "Bonjour {coordinator}, mardi dernier {person} m’a parlé de son ancien jardin ouvrier. "
        "Est-ce que je peux lui apporter quelques plants de tomates la prochaine fois ?",
    ),
    (
        5,
        (9, 40),
        "staff",
        "Bonjour ! Bonne idée, elle en sera ravie. Pensez juste à vérifier avec elle où les poser, "
        "son balcon est petit.",
    ),
    (5, (12, 5), "volunteer", "Parfait, merci. Je lui demanderai mardi."),
    (
        1,
        (10, 20),
        "staff",
        "Petite info : sa fille passe mardi vers 16 h, elle aimerait vous rencontrer si cela vous va.",
    ),
]


class Conversations:
    def replay_conversation(self) -> None:
        """The demo volunteer's exchange with the coordinator of their active match."""
        match = (
            Match.objects.filter(volunteer__user__email=T.DEMO_VOLUNTEER["email"], status=Match.Status.ACTIVE)
            .select_related("mission__association", "mission__beneficiary", "volunteer__user")
            .order_by("pk")
            .first()
        )
        if match is None:
            return
        membership = (
            Membership.objects.filter(association=match.mission.association, role=Membership.Role.COORDINATOR)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if membership is None:
            return
        beneficiary = match.mission.beneficiary
        person = beneficiary.first_name if beneficiary else "la personne"
        for days, (hour, minute), side, text in EXCHANGE:
            when = self.at_local(self.today - dt.timedelta(days=days), dt.time(hour, minute))
            by = match.volunteer.user if side == "volunteer" else membership.user
            body = text.format(coordinator=membership.user.first_name, person=person)
            message = message_post(match=match, by=by, body=body, now=when)
            if days > 1:
                # Both had read everything but the last word, which waits for the volunteer.
                conversation_read(match=match, by=match.volunteer.user, up_to=message.pk, now=when)
                conversation_read(match=match, by=membership.user, up_to=message.pk, now=when)
