"""A match's conversation through the API, on both sides: the volunteer's under
/api/volunteer/matches/<id>/messages/, the staff's under /api/matching/matches/<id>/messages/.
The same selectors and services as the pages; separate input and output serializers. A match
outside the caller's conversations answers 404; bad input or an ended match answers 400 with
the message under the field."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from missions.models import Match
from missions.models.conversations import MESSAGE_MAX_LENGTH
from missions.permissions import conversation_side
from missions.scoping import StaffScope
from missions.volunteer import selectors as volunteer_selectors
from volunteers.api import valid_data, volunteer_or_404

from . import selectors, services
from .views import staff_match_or_404

# --- serializers ------------------------------------------------------------------------------


class ConversationMessageOut(serializers.Serializer):
    id = serializers.IntegerField()
    side = serializers.ChoiceField(
        choices=["volunteer", "staff"], help_text="Who wrote it: the volunteer or the association."
    )
    author_name = serializers.CharField(help_text="The writer's name; empty once their account is gone.")
    mine = serializers.BooleanField(help_text="Written by the caller.")
    body = serializers.CharField()
    sent_at = serializers.DateTimeField()


class ConversationOut(serializers.Serializer):
    match = serializers.IntegerField()
    is_open = serializers.BooleanField(help_text="False once the match has ended: readable, closed to new messages.")
    read_up_to = serializers.IntegerField(help_text="The last message id the caller had read before this answer.")
    unread = serializers.IntegerField(help_text="Messages from the other side after read_up_to.")
    messages = ConversationMessageOut(many=True, help_text="The latest 200 messages, oldest first.")


class ConversationMessageIn(serializers.Serializer):
    body = serializers.CharField(max_length=MESSAGE_MAX_LENGTH)


class ConversationReadIn(serializers.Serializer):
    up_to = serializers.IntegerField(
        required=False, min_value=0, help_text="The last message id read; the latest when left out."
    )


class ConversationReadOut(serializers.Serializer):
    read_up_to = serializers.IntegerField()


def _message_out(message, user) -> dict:
    author = message.author
    return {
        "id": message.pk,
        "side": message.side,
        "author_name": author.get_full_name() if author else "",
        "mine": message.author_id == user.pk,
        "body": message.body,
        "sent_at": message.sent_at,
    }


# --- views ------------------------------------------------------------------------------------


class _ConversationView(APIView):
    """A match's conversation, for its volunteer or the staff of its association only."""

    def match_or_404(self, request, match_id: int) -> Match:
        raise NotImplementedError

    def _party(self, request, match_id: int) -> tuple[Match, str]:
        match = self.match_or_404(request, match_id)
        side = conversation_side(request.user, match)
        if side is None:
            raise NotFound()
        return match, side


class _MessagesView(_ConversationView):
    """List (GET, which marks nothing read) or post (POST) a match's messages."""

    @extend_schema(responses=ConversationOut)
    def get(self, request, match_id: int):
        match, side = self._party(request, match_id)
        conversation = selectors.conversation_for(match=match, user=request.user, side=side)
        return Response(
            ConversationOut(
                {
                    "match": match.pk,
                    "is_open": conversation.is_open,
                    "read_up_to": conversation.read_up_to,
                    "unread": conversation.unread,
                    "messages": [_message_out(m, request.user) for m in conversation.messages],
                }
            ).data
        )

    @extend_schema(request=ConversationMessageIn, responses={201: ConversationMessageOut})
    def post(self, request, match_id: int):
        match, _side = self._party(request, match_id)
        body = valid_data(ConversationMessageIn, request)["body"]
        message = services.message_post(match=match, by=request.user, body=body)
        return Response(
            ConversationMessageOut(_message_out(message, request.user)).data, status=status.HTTP_201_CREATED
        )


class _ReadView(_ConversationView):
    """Mark the conversation read up to a message (default: the latest)."""

    @extend_schema(request=ConversationReadIn, responses=ConversationReadOut)
    def post(self, request, match_id: int):
        match, _side = self._party(request, match_id)
        up_to = valid_data(ConversationReadIn, request).get("up_to")
        marker = services.conversation_read(match=match, by=request.user, up_to=up_to)
        return Response(ConversationReadOut({"read_up_to": marker}).data)


class _VolunteerSide:
    def match_or_404(self, request, match_id: int) -> Match:
        volunteer = volunteer_or_404(request)
        try:
            return volunteer_selectors.match_for_volunteer_or_404(volunteer, match_id)
        except Http404 as exc:
            raise NotFound() from exc


class _StaffSide:
    permission_classes = [StaffScope]

    def match_or_404(self, request, match_id: int) -> Match:
        return staff_match_or_404(request, match_id)


@extend_schema_view(
    get=extend_schema(operation_id="volunteer_match_messages", tags=["volunteer"]),
    post=extend_schema(operation_id="volunteer_match_message_post", tags=["volunteer"]),
)
class VolunteerMessagesView(_VolunteerSide, _MessagesView):
    pass


@extend_schema_view(post=extend_schema(operation_id="volunteer_match_messages_read", tags=["volunteer"]))
class VolunteerMessagesReadView(_VolunteerSide, _ReadView):
    pass


@extend_schema_view(
    get=extend_schema(operation_id="matching_match_messages", tags=["matching"]),
    post=extend_schema(operation_id="matching_match_message_post", tags=["matching"]),
)
class StaffMessagesView(_StaffSide, _MessagesView):
    pass


@extend_schema_view(post=extend_schema(operation_id="matching_match_messages_read", tags=["matching"]))
class StaffMessagesReadView(_StaffSide, _ReadView):
    pass
