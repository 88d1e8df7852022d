"""The volunteer's missions, matches, visits and reports through the API, under
/api/volunteer/ next to their profile (volunteers.api): the same services as the pages, one
view per operation, separate input and output serializers. A domain refusal answers 400 with
the message under the field at fault; anything not the volunteer's answers 404."""

import dataclasses

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from missions.matching.services import match_accept, match_decline, match_offer
from missions.models import VisitReport
from missions.reports import visit_report_submit
from missions.visits.services import visit_cancel, visit_move
from volunteers.api import valid_data, volunteer_or_404

from . import selectors, services

# --- output serializers -------------------------------------------------------------------


class VolunteerMissionCardOut(serializers.Serializer):
    mission_id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    title = serializers.CharField()
    person = serializers.CharField(help_text="First name and initial only.")
    age_band = serializers.CharField()
    neighbourhood = serializers.CharField()
    distance_km = serializers.FloatField(allow_null=True)
    interests = serializers.ListField(child=serializers.CharField())
    schedule = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    needs_approval = serializers.BooleanField()


# The details the reveal service hands over (services.BeneficiaryContact), each as text.
VolunteerContactOut = type(
    "VolunteerContactOut",
    (serializers.Serializer,),
    {field.name: serializers.CharField() for field in dataclasses.fields(services.BeneficiaryContact)},
)


class VolunteerMatchOut(serializers.Serializer):
    id = serializers.IntegerField(source="match.id")
    status = serializers.CharField(source="match.status")
    proposed_at = serializers.DateTimeField(source="match.proposed_at")
    card = VolunteerMissionCardOut()
    contact = VolunteerContactOut(allow_null=True, required=False, help_text="Only while the match is active; logged.")


class VolunteerReportOut(serializers.Serializer):
    happened = serializers.BooleanField()
    mood = serializers.CharField()
    concerns = serializers.ListField(child=serializers.CharField())
    urgent_concerns = serializers.ListField(child=serializers.CharField())
    notes = serializers.CharField()
    duration_minutes = serializers.IntegerField(allow_null=True)
    submitted_at = serializers.DateTimeField()


class VolunteerVisitOut(serializers.Serializer):
    id = serializers.IntegerField(source="visit.id")
    starts_at = serializers.DateTimeField(source="visit.starts_at")
    ends_at = serializers.DateTimeField(source="visit.ends_at")
    status = serializers.CharField(source="visit.status")
    card = VolunteerMissionCardOut()
    report = VolunteerReportOut(allow_null=True)
    can_report = serializers.BooleanField()
    can_change = serializers.BooleanField()


class VolunteerVisitsOut(serializers.Serializer):
    to_report = VolunteerVisitOut(many=True)
    upcoming = VolunteerVisitOut(many=True)
    past = VolunteerVisitOut(many=True)
    hours = serializers.FloatField()


class VolunteerReportDoneOut(serializers.Serializer):
    report = VolunteerReportOut()
    emergency_numbers = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()), help_text="Shown when a concern is urgent."
    )


# --- input serializers --------------------------------------------------------------------


class VolunteerReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class VolunteerMoveIn(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=200)

    def validate_starts_at(self, value):
        if value <= timezone.now():
            raise serializers.ValidationError(_("Choose a moment in the future."))
        return value


class VolunteerReportIn(serializers.Serializer):
    happened = serializers.BooleanField()
    mood = serializers.ChoiceField(choices=VisitReport.Mood.choices, required=False, allow_blank=True, default="")
    concerns = serializers.ListField(
        child=serializers.ChoiceField(choices=VisitReport.Concern.choices),
        required=False,
        default=list,
        max_length=len(VisitReport.Concern.choices),
    )
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=600, required=False, allow_null=True, default=None
    )


# --- views --------------------------------------------------------------------------------


class MissionsView(APIView):
    @extend_schema(operation_id="volunteer_missions", responses=VolunteerMissionCardOut(many=True), tags=["volunteer"])
    def get(self, request):
        return Response(
            VolunteerMissionCardOut(selectors.mission_recommendations(volunteer_or_404(request)), many=True).data
        )


class VolunteerMissionDetailOut(serializers.Serializer):
    card = VolunteerMissionCardOut()
    match = VolunteerMatchOut(allow_null=True)


class MissionDetailView(APIView):
    @extend_schema(operation_id="volunteer_mission", responses=VolunteerMissionDetailOut, tags=["volunteer"])
    def get(self, request, mission_id: int):
        """The mission's card; with the person's contact details only while the match is active."""
        volunteer = volunteer_or_404(request)
        mission = _get_or_404(selectors.mission_for_volunteer_or_404, volunteer, mission_id)
        card = selectors.mission_card(mission, volunteer)
        match = selectors.live_match_for_mission(volunteer, mission)
        item = None
        if match is not None:
            contact = services.beneficiary_contact_reveal(match=match, volunteer=volunteer)
            item = {"match": match, "card": card, "contact": contact}
        return Response(VolunteerMissionDetailOut({"card": card, "match": item}).data)


class MissionOfferView(APIView):
    @extend_schema(
        operation_id="volunteer_mission_offer", request=None, responses={201: VolunteerMatchOut}, tags=["volunteer"]
    )
    def post(self, request, mission_id: int):
        volunteer = volunteer_or_404(request)
        mission = _get_or_404(selectors.mission_for_volunteer_or_404, volunteer, mission_id)
        match = match_offer(mission=mission, volunteer=volunteer)
        return Response(_match_out(volunteer, match.pk), status=status.HTTP_201_CREATED)


def _get_or_404(getter, *args):
    try:
        return getter(*args)
    except Http404 as exc:
        raise NotFound() from exc


def _match_out(volunteer, match_id: int, *, reveal: bool = False) -> dict:
    match = _get_or_404(selectors.match_for_volunteer_or_404, volunteer, match_id)
    contact = services.beneficiary_contact_reveal(match=match, volunteer=volunteer) if reveal else None
    return VolunteerMatchOut(
        {"match": match, "card": selectors.mission_card(match.mission, volunteer), "contact": contact}
    ).data


class MatchesView(APIView):
    @extend_schema(operation_id="volunteer_matches", responses=VolunteerMatchOut(many=True), tags=["volunteer"])
    def get(self, request):
        items = selectors.volunteer_matches(volunteer_or_404(request))
        return Response(
            VolunteerMatchOut([{"match": i.match, "card": i.card, "contact": None} for i in items], many=True).data
        )


class MatchDetailView(APIView):
    @extend_schema(operation_id="volunteer_match", responses=VolunteerMatchOut, tags=["volunteer"])
    def get(self, request, match_id: int):
        """One match; the person's contact details appear only while it is active (each view logged)."""
        return Response(_match_out(volunteer_or_404(request), match_id, reveal=True))


class MatchAcceptView(APIView):
    @extend_schema(operation_id="volunteer_match_accept", request=None, responses=VolunteerMatchOut, tags=["volunteer"])
    def post(self, request, match_id: int):
        volunteer = volunteer_or_404(request)
        match = _get_or_404(selectors.match_for_volunteer_or_404, volunteer, match_id)
        match_accept(match=match, volunteer=volunteer)
        return Response(_match_out(volunteer, match_id))


class MatchDeclineView(APIView):
    @extend_schema(
        operation_id="volunteer_match_decline",
        request=VolunteerReasonIn,
        responses=VolunteerMatchOut,
        tags=["volunteer"],
    )
    def post(self, request, match_id: int):
        volunteer = volunteer_or_404(request)
        match = _get_or_404(selectors.match_for_volunteer_or_404, volunteer, match_id)
        data = valid_data(VolunteerReasonIn, request)
        match_decline(match=match, by=request.user, reason=data["reason"])
        return Response(_match_out(volunteer, match_id))


def _visit_out(item) -> dict:
    return VolunteerVisitOut(item).data


class VisitsView(APIView):
    @extend_schema(operation_id="volunteer_visits", responses=VolunteerVisitsOut, tags=["volunteer"])
    def get(self, request):
        volunteer = volunteer_or_404(request)
        return Response(VolunteerVisitsOut(selectors.visits_page(volunteer)).data)


def _visit_item(volunteer, visit_id: int):
    visit = _get_or_404(selectors.visit_for_volunteer_or_404, volunteer, visit_id)
    return visit, selectors.visit_item(visit, volunteer, timezone.now())


def _refresh_item(volunteer, visit_id: int) -> dict:
    return _visit_out(_visit_item(volunteer, visit_id)[1])


class VisitCancelView(APIView):
    @extend_schema(
        operation_id="volunteer_visit_cancel",
        request=VolunteerReasonIn,
        responses=VolunteerVisitOut,
        tags=["volunteer"],
    )
    def post(self, request, visit_id: int):
        volunteer = volunteer_or_404(request)
        visit, item = _visit_item(volunteer, visit_id)
        data = valid_data(VolunteerReasonIn, request)
        if not item.can_change:
            raise ValidationError({"visit": [_("This visit can no longer be changed.")]})
        visit_cancel(visit=visit, by=request.user, reason=data["reason"])
        return Response(_refresh_item(volunteer, visit_id))


class VisitMoveView(APIView):
    @extend_schema(
        operation_id="volunteer_visit_move", request=VolunteerMoveIn, responses=VolunteerVisitOut, tags=["volunteer"]
    )
    def post(self, request, visit_id: int):
        volunteer = volunteer_or_404(request)
        visit, item = _visit_item(volunteer, visit_id)
        data = valid_data(VolunteerMoveIn, request)
        if not item.can_change:
            raise ValidationError({"visit": [_("This visit can no longer be changed.")]})
        visit_move(visit=visit, by=request.user, starts_at=data["starts_at"], reason=data["reason"])
        return Response(_refresh_item(volunteer, visit_id))


def _report_done(report) -> dict:
    numbers = settings.LIENS_EMERGENCY_NUMBERS if report.urgent_concerns else []
    return VolunteerReportDoneOut(
        {
            "report": report,
            "emergency_numbers": [{"number": number, "label": str(label)} for number, label in numbers],
        }
    ).data


class VisitReportView(APIView):
    @extend_schema(
        operation_id="volunteer_visit_report",
        request=VolunteerReportIn,
        responses={201: VolunteerReportDoneOut},
        tags=["volunteer"],
    )
    def post(self, request, visit_id: int):
        """File the report on a visit: once only; urgent concerns answer the emergency numbers."""
        volunteer = volunteer_or_404(request)
        visit, _item = _visit_item(volunteer, visit_id)
        data = valid_data(VolunteerReportIn, request)
        report = visit_report_submit(visit=visit, volunteer=volunteer, **data)
        return Response(_report_done(report), status=status.HTTP_201_CREATED)
