"""The matching API under /api/matching/: the same selectors and services as the pages.

Staff endpoints fetch through missions.scoping, so another association's mission or match
answers 404. Input and output serializers are separate; refusals are 400 with field details.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from liens.api import query_params
from liens.scopes import scopes_disabled_for_request
from missions.models import Association, Match, Mission
from missions.scoping import StaffScope, get_scoped_or_404, outreach_refusal, scoped
from volunteers.models import Volunteer

from . import life, reviews, selectors, services

# --- serializers ----------------------------------------------------------------------------------


class MatchingPartOut(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField()
    weight = serializers.FloatField()
    reason = serializers.CharField(allow_null=True)


class MatchingSuggestionOut(serializers.Serializer):
    volunteer = serializers.IntegerField(source="volunteer.pk")
    volunteer_name = serializers.CharField(source="volunteer.__str__")
    score = serializers.FloatField()
    parts = serializers.DictField(child=serializers.FloatField())
    reasons = serializers.ListField(child=serializers.CharField())
    distance_km = serializers.FloatField(allow_null=True)
    explained = MatchingPartOut(many=True)


class MatchingRecommendationOut(serializers.Serializer):
    mission = serializers.IntegerField(source="mission.pk")
    title = serializers.CharField(source="mission.title")
    kind = serializers.CharField(source="mission.kind")
    score = serializers.FloatField()
    parts = serializers.DictField(child=serializers.FloatField())
    reasons = serializers.ListField(child=serializers.CharField())
    distance_km = serializers.FloatField(allow_null=True)


class MatchingMatchOut(serializers.ModelSerializer):
    volunteer_name = serializers.CharField(source="volunteer.__str__", read_only=True)
    mission_title = serializers.CharField(source="mission.title", read_only=True)

    class Meta:
        model = Match
        fields = [
            "id",
            "mission",
            "mission_title",
            "volunteer",
            "volunteer_name",
            "status",
            "score",
            "score_parts",
            "proposed_by",
            "proposed_at",
            "responded_at",
            "introduced_on",
            "activated_at",
            "next_review_on",
            "last_review_on",
            "paused_at",
            "pause_reason",
            "ended_at",
            "ended_by",
            "end_reason",
            "covers",
            "cover_until",
        ]
        read_only_fields = fields


class MatchingProposeIn(serializers.Serializer):
    volunteer = serializers.IntegerField(min_value=1)


class MatchingBatchIn(serializers.Serializer):
    association = serializers.IntegerField(required=False, min_value=1)
    territory = serializers.CharField(required=False, max_length=100)

    def validate(self, attrs):
        if not attrs.get("association") and not attrs.get("territory"):
            raise serializers.ValidationError({"association": ["Choose an association or a territory."]})
        return attrs


class MatchingBatchOut(serializers.Serializer):
    proposed = serializers.IntegerField()
    missions_covered = serializers.IntegerField()
    total_score = serializers.FloatField()
    candidate_pairs = serializers.IntegerField()
    missions = serializers.IntegerField()


class MatchingDayIn(serializers.Serializer):
    on = serializers.DateField()


class MatchingReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


# --- helpers --------------------------------------------------------------------------------------


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _mission(request, mission_id: int) -> Mission:
    return get_scoped_or_404(Mission.objects.select_related("beneficiary", "association"), request.user, pk=mission_id)


def _match(request, match_id: int) -> Match:
    return get_scoped_or_404(
        Match.objects.select_related("mission__beneficiary", "mission__association", "volunteer__user"),
        request.user,
        via="mission__association",
        pk=match_id,
    )


def _outreach_allowed(request, mission: Mission) -> None:
    """403 with the reason while the mission's association may not reach volunteers (pending)."""
    refusal = outreach_refusal(request.user, mission.association)
    if refusal is not None:
        raise PermissionDenied(refusal)


# --- endpoints ------------------------------------------------------------------------------------


class MatchingSuggestionsIn(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1,
        max_value=selectors.SUGGESTIONS_MAX,
        default=10,
        help_text=f"How many, 1 to {selectors.SUGGESTIONS_MAX}.",
    )


class MissionSuggestionsView(APIView):
    permission_classes = [StaffScope]

    @extend_schema(
        operation_id="matching_mission_suggestions",
        parameters=[MatchingSuggestionsIn],
        responses=MatchingSuggestionOut(many=True),
        tags=["matching"],
    )
    def get(self, request, mission_id: int):
        """Volunteers who meet every hard rule for the mission, best first, with reasons."""
        mission = _mission(request, mission_id)
        _outreach_allowed(request, mission)
        limit = query_params(MatchingSuggestionsIn, request)["limit"]
        found = selectors.mission_suggestions(mission=mission, limit=limit)
        return Response(MatchingSuggestionOut(found, many=True).data)


class MissionProposeView(APIView):
    permission_classes = [StaffScope]

    @extend_schema(
        operation_id="matching_mission_propose",
        request=MatchingProposeIn,
        responses={201: MatchingMatchOut},
        tags=["matching"],
    )
    def post(self, request, mission_id: int):
        """Propose the mission to a volunteer (refused, 400, when a hard rule is broken)."""
        mission = _mission(request, mission_id)
        _outreach_allowed(request, mission)
        data = _valid(MatchingProposeIn, request)
        # Someone outside the coordinator's view answers exactly as an id that does not exist.
        volunteer = selectors.volunteer_to_propose(mission=mission, user=request.user, volunteer_id=data["volunteer"])
        if volunteer is None:
            raise ValidationError({"volunteer": ["Unknown volunteer."]})
        match = services.match_propose(mission=mission, volunteer=volunteer, by=request.user)
        return Response(MatchingMatchOut(match).data, status=status.HTTP_201_CREATED)


class BatchView(APIView):
    permission_classes = [StaffScope]

    @extend_schema(
        operation_id="matching_batch", request=MatchingBatchIn, responses=MatchingBatchOut, tags=["matching"]
    )
    def post(self, request):
        """Batch proposals now for an association (its staff) or a territory (platform admins)."""
        data = _valid(MatchingBatchIn, request)
        association, territory = None, None
        if data.get("association"):
            association = get_scoped_or_404(Association.objects.all(), request.user, via="id", pk=data["association"])
        elif request.user.is_staff:
            territory = data["territory"]
        else:
            raise NotFound
        result = services.proposals_batch(association=association, territory=territory)
        return Response(MatchingBatchOut(result).data)


class ProposalsView(APIView):
    permission_classes = [StaffScope]

    @extend_schema(operation_id="matching_proposals", responses=MatchingMatchOut(many=True), tags=["matching"])
    def get(self, request):
        """Proposals waiting for an answer or an introduction visit, newest first (200 at most)."""
        waiting = (
            scoped(Match.objects.all(), request.user, via="mission__association")
            .filter(status__in=[Match.Status.PROPOSED, Match.Status.ACCEPTED])
            .select_related("mission", "volunteer__user")
            .order_by("-proposed_at", "-pk")[:200]
        )
        return Response(MatchingMatchOut(waiting, many=True).data)


class ReviewsDueView(APIView):
    permission_classes = [StaffScope]

    @extend_schema(operation_id="matching_reviews_due", responses=MatchingMatchOut(many=True), tags=["matching"])
    def get(self, request):
        """Active matches whose review is due within a week, or late."""
        due = reviews.reviews_due(association_ids=request.association_ids)[:200]
        return Response(MatchingMatchOut(due, many=True).data)


class MatchDetailView(APIView):
    permission_classes = [StaffScope]

    @extend_schema(operation_id="matching_match", responses=MatchingMatchOut, tags=["matching"])
    def get(self, request, match_id: int):
        return Response(MatchingMatchOut(_match(request, match_id)).data)


def _action_view(name: str, service, serializer_class, field: str | None, summary: str):
    class ActionView(APIView):
        permission_classes = [StaffScope]

        @extend_schema(
            operation_id=f"matching_match_{name}",
            request=serializer_class,
            responses=MatchingMatchOut,
            tags=["matching"],
            description=summary,
        )
        def post(self, request, match_id: int):
            match = _match(request, match_id)
            arguments = {field: _valid(serializer_class, request)[field]} if serializer_class else {}
            match = service(match=match, by=request.user, **arguments)
            return Response(MatchingMatchOut(match).data)

    ActionView.__name__ = f"Match{name.title()}View"
    return ActionView


MatchIntroduceView = _action_view(
    "introduce", life.match_introduce, MatchingDayIn, "on", "Record the introduction visit."
)
MatchActivateView = _action_view("activate", life.match_activate, None, None, "Start (or resume) the match.")
MatchPauseView = _action_view("pause", life.match_pause, MatchingReasonIn, "reason", "Pause an active match.")
MatchEndView = _action_view("end", life.match_end, MatchingReasonIn, "reason", "End a live match (who, why, when).")
MatchDeclineView = _action_view("decline", services.match_decline, MatchingReasonIn, "reason", "Withdraw a proposal.")
MatchReviewView = _action_view("review", life.match_review, MatchingDayIn, "on", "Record a review of an active match.")


class RecommendationsView(APIView):
    @extend_schema(
        operation_id="matching_recommendations", responses=MatchingRecommendationOut(many=True), tags=["matching"]
    )
    def get(self, request):
        """Open missions that fit the signed-in volunteer, best first, with reasons."""
        volunteer = Volunteer.objects.filter(user=request.user).first()
        if volunteer is None:
            raise NotFound
        # The volunteer's scope (volunteers.api.volunteer_or_404): open missions, of every association.
        scopes_disabled_for_request("a volunteer's recommendations are open missions, of every association")
        found = selectors.volunteer_recommendations(volunteer=volunteer)
        return Response(MatchingRecommendationOut(found, many=True).data)
