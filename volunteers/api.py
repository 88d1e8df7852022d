"""The volunteer's API under /api/volunteer/: the same services as the pages, one view per
operation, separate input and output serializers. A domain refusal answers 400 with the
message under the field at fault; anything not the volunteer's answers 404.

Serializer names start with "Volunteer" so they stay unique in the site-wide OpenAPI schema.
The matching, visits and reports services are imported where used, as in views.py."""

from decimal import Decimal

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from liens.accounts.tokens import api_token_issue
from liens.choices import Interest, Language, VisitKind
from missions.matching.services import match_accept, match_decline, match_offer
from missions.models import VisitReport
from missions.reports import visit_report_submit
from missions.visits.services import visit_cancel, visit_move

from . import selectors, services


def _volunteer(request):
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is None:
        raise NotFound(_("No volunteer profile."))
    return volunteer


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- output serializers -------------------------------------------------------------------


class VolunteerSlot(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday")
    start = serializers.TimeField()
    end = serializers.TimeField()


class VolunteerProfileOut(serializers.Serializer):
    first_name = serializers.CharField(source="user.first_name")
    email = serializers.EmailField(source="user.email")
    phone = serializers.CharField(source="user.phone")
    postcode = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()
    travel_radius_km = serializers.DecimalField(max_digits=4, decimal_places=1)
    interests = serializers.ListField(child=serializers.CharField())
    languages = serializers.ListField(child=serializers.CharField())
    visit_kinds = serializers.ListField(child=serializers.CharField())
    max_commitments = serializers.IntegerField()
    slots = VolunteerSlot(many=True)
    notify_email = serializers.BooleanField()
    notify_sms = serializers.BooleanField()
    quiet_from = serializers.TimeField()
    quiet_until = serializers.TimeField()
    charter_accepted_at = serializers.DateTimeField(allow_null=True)
    data_consent_at = serializers.DateTimeField(allow_null=True)
    paused_until = serializers.DateField(allow_null=True)
    vetting_state = serializers.CharField()
    profile_steps_done = serializers.ListField(child=serializers.CharField())


class VolunteerVettingStepOut(serializers.Serializer):
    step = serializers.CharField()
    label = serializers.CharField()
    done_on = serializers.DateField(allow_null=True)


class VolunteerVettingOut(serializers.Serializer):
    state = serializers.CharField()
    steps = VolunteerVettingStepOut(many=True)
    steps_left = serializers.ListField(child=serializers.CharField())
    background_check_by = serializers.CharField(allow_blank=True)
    charter_accepted = serializers.BooleanField()


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


class VolunteerContactOut(serializers.Serializer):
    full_name = serializers.CharField()
    address = serializers.CharField()
    postcode = serializers.CharField()
    city = serializers.CharField()
    phone = serializers.CharField()
    phone_uri = serializers.CharField()
    access_notes = serializers.CharField()
    practical_tips = serializers.CharField()


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


class VolunteerCalendarOut(serializers.Serializer):
    url = serializers.URLField()


class AuthTokenOut(serializers.Serializer):
    token = serializers.CharField()


# --- input serializers --------------------------------------------------------------------


class VolunteerAvailabilityIn(serializers.Serializer):
    slots = VolunteerSlot(many=True, allow_empty=False, max_length=50)


class VolunteerPlaceIn(serializers.Serializer):
    postcode = serializers.CharField(max_length=5)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    travel_radius_km = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal("0.5"), max_value=Decimal(100)
    )


class VolunteerInterestsIn(serializers.Serializer):
    interests = serializers.ListField(
        child=serializers.ChoiceField(choices=Interest.choices), allow_empty=True, max_length=len(Interest.choices)
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=Language.choices), allow_empty=False, max_length=len(Language.choices)
    )


class VolunteerKindsIn(serializers.Serializer):
    visit_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=VisitKind.choices), allow_empty=False, max_length=len(VisitKind.choices)
    )
    max_commitments = serializers.IntegerField(min_value=1, max_value=10)


class VolunteerCharterIn(serializers.Serializer):
    charter = serializers.BooleanField()
    data_consent = serializers.BooleanField()


class VolunteerNotificationsIn(serializers.Serializer):
    notify_email = serializers.BooleanField()
    notify_sms = serializers.BooleanField()
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    quiet_from = serializers.TimeField()
    quiet_until = serializers.TimeField()


class VolunteerPauseIn(serializers.Serializer):
    until = serializers.DateField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


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


class AuthTokenIn(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"})
    code = serializers.CharField(required=False, allow_blank=True, help_text="Authenticator app code, if enabled.")


# --- views --------------------------------------------------------------------------------


def _profile_out(volunteer) -> dict:
    volunteer = type(volunteer).objects.select_related("user").prefetch_related("slots").get(pk=volunteer.pk)
    return VolunteerProfileOut(volunteer).data


class ProfileView(APIView):
    @extend_schema(operation_id="volunteer_profile", responses=VolunteerProfileOut, tags=["volunteer"])
    def get(self, request):
        return Response(_profile_out(_volunteer(request)))


class _StepView(APIView):
    """PUT one wizard step through its service; answers the whole profile."""

    input_class: type[serializers.Serializer]

    def save(self, volunteer, data: dict) -> None:
        raise NotImplementedError

    def step_put(self, request):
        volunteer = _volunteer(request)
        data = _valid(self.input_class, request)
        self.save(volunteer, data)
        return Response(_profile_out(volunteer))


def _step_schema(name: str, input_class):
    return extend_schema(
        operation_id=f"volunteer_profile_{name}", request=input_class, responses=VolunteerProfileOut, tags=["volunteer"]
    )


class ProfileAvailabilityView(_StepView):
    input_class = VolunteerAvailabilityIn

    def save(self, volunteer, data):
        ranges = [(slot["weekday"], slot["start"], slot["end"]) for slot in data["slots"]]
        services.availability_set(volunteer=volunteer, ranges=ranges)

    @_step_schema("availability", VolunteerAvailabilityIn)
    def put(self, request):
        return self.step_put(request)


class ProfilePlaceView(_StepView):
    input_class = VolunteerPlaceIn

    def save(self, volunteer, data):
        services.volunteer_place_set(volunteer=volunteer, **data)

    @_step_schema("place", VolunteerPlaceIn)
    def put(self, request):
        return self.step_put(request)


class ProfileInterestsView(_StepView):
    input_class = VolunteerInterestsIn

    def save(self, volunteer, data):
        services.volunteer_interests_set(volunteer=volunteer, **data)

    @_step_schema("interests", VolunteerInterestsIn)
    def put(self, request):
        return self.step_put(request)


class ProfileKindsView(_StepView):
    input_class = VolunteerKindsIn

    def save(self, volunteer, data):
        services.volunteer_kinds_set(volunteer=volunteer, **data)

    @_step_schema("kinds", VolunteerKindsIn)
    def put(self, request):
        return self.step_put(request)


class ProfileCharterView(_StepView):
    input_class = VolunteerCharterIn

    def save(self, volunteer, data):
        services.volunteer_charter_accept(volunteer=volunteer, **data)

    @_step_schema("charter", VolunteerCharterIn)
    def put(self, request):
        return self.step_put(request)


class ProfileNotificationsView(_StepView):
    input_class = VolunteerNotificationsIn

    def save(self, volunteer, data):
        services.volunteer_notifications_set(volunteer=volunteer, **data)

    @_step_schema("notifications", VolunteerNotificationsIn)
    def put(self, request):
        return self.step_put(request)


class VettingView(APIView):
    @extend_schema(operation_id="volunteer_vetting", responses=VolunteerVettingOut, tags=["volunteer"])
    def get(self, request):
        return Response(VolunteerVettingOut(selectors.vetting_summary(_volunteer(request))).data)


class MissionsView(APIView):
    @extend_schema(operation_id="volunteer_missions", responses=VolunteerMissionCardOut(many=True), tags=["volunteer"])
    def get(self, request):
        return Response(VolunteerMissionCardOut(selectors.mission_recommendations(_volunteer(request)), many=True).data)


class VolunteerMissionDetailOut(serializers.Serializer):
    card = VolunteerMissionCardOut()
    match = VolunteerMatchOut(allow_null=True)


class MissionDetailView(APIView):
    @extend_schema(operation_id="volunteer_mission", responses=VolunteerMissionDetailOut, tags=["volunteer"])
    def get(self, request, mission_id: int):
        """The mission's card; with the person's contact details only while the match is active."""
        volunteer = _volunteer(request)
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
        volunteer = _volunteer(request)
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
        items = selectors.volunteer_matches(_volunteer(request))
        return Response(
            VolunteerMatchOut([{"match": i.match, "card": i.card, "contact": None} for i in items], many=True).data
        )


class MatchDetailView(APIView):
    @extend_schema(operation_id="volunteer_match", responses=VolunteerMatchOut, tags=["volunteer"])
    def get(self, request, match_id: int):
        """One match; the person's contact details appear only while it is active (each view logged)."""
        return Response(_match_out(_volunteer(request), match_id, reveal=True))


class MatchAcceptView(APIView):
    @extend_schema(operation_id="volunteer_match_accept", request=None, responses=VolunteerMatchOut, tags=["volunteer"])
    def post(self, request, match_id: int):
        volunteer = _volunteer(request)
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
        volunteer = _volunteer(request)
        match = _get_or_404(selectors.match_for_volunteer_or_404, volunteer, match_id)
        data = _valid(VolunteerReasonIn, request)
        match_decline(match=match, by=request.user, reason=data["reason"])
        return Response(_match_out(volunteer, match_id))


def _visit_out(item) -> dict:
    return VolunteerVisitOut(item).data


class VisitsView(APIView):
    @extend_schema(operation_id="volunteer_visits", responses=VolunteerVisitsOut, tags=["volunteer"])
    def get(self, request):
        volunteer = _volunteer(request)
        return Response(
            VolunteerVisitsOut(
                {
                    "to_report": selectors.visits_to_report(volunteer),
                    "upcoming": selectors.visits_upcoming(volunteer),
                    "past": selectors.visits_past(volunteer),
                    "hours": selectors.volunteer_hours(volunteer),
                }
            ).data
        )


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
        volunteer = _volunteer(request)
        visit, item = _visit_item(volunteer, visit_id)
        data = _valid(VolunteerReasonIn, request)
        if not item.can_change:
            raise ValidationError({"visit": [_("This visit can no longer be changed.")]})
        visit_cancel(visit=visit, by=request.user, reason=data["reason"])
        return Response(_refresh_item(volunteer, visit_id))


class VisitMoveView(APIView):
    @extend_schema(
        operation_id="volunteer_visit_move", request=VolunteerMoveIn, responses=VolunteerVisitOut, tags=["volunteer"]
    )
    def post(self, request, visit_id: int):
        volunteer = _volunteer(request)
        visit, item = _visit_item(volunteer, visit_id)
        data = _valid(VolunteerMoveIn, request)
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
        volunteer = _volunteer(request)
        visit, _item = _visit_item(volunteer, visit_id)
        data = _valid(VolunteerReportIn, request)
        report = visit_report_submit(visit=visit, volunteer=volunteer, **data)
        return Response(_report_done(report), status=status.HTTP_201_CREATED)


class CalendarResetView(APIView):
    @extend_schema(
        operation_id="volunteer_calendar_reset", request=None, responses=VolunteerCalendarOut, tags=["volunteer"]
    )
    def post(self, request):
        """A new secret calendar URL; the old one answers 404 from now on."""
        volunteer = services.calendar_token_reset(volunteer=_volunteer(request))
        path = reverse("volunteers:calendar_feed", kwargs={"token": volunteer.calendar_token})
        return Response({"url": request.build_absolute_uri(path)})


class CalendarView(APIView):
    @extend_schema(operation_id="volunteer_calendar", responses=VolunteerCalendarOut, tags=["volunteer"])
    def get(self, request):
        volunteer = _volunteer(request)
        path = reverse("volunteers:calendar_feed", kwargs={"token": volunteer.calendar_token})
        return Response({"url": request.build_absolute_uri(path)})


class PauseView(APIView):
    @extend_schema(
        operation_id="volunteer_pause", request=VolunteerPauseIn, responses=VolunteerProfileOut, tags=["volunteer"]
    )
    def post(self, request):
        volunteer = _volunteer(request)
        data = _valid(VolunteerPauseIn, request)
        services.volunteer_pause(volunteer=volunteer, **data)
        return Response(_profile_out(volunteer))


class ResumeView(APIView):
    @extend_schema(operation_id="volunteer_resume", request=None, responses=VolunteerProfileOut, tags=["volunteer"])
    def post(self, request):
        volunteer = services.volunteer_resume(volunteer=_volunteer(request))
        return Response(_profile_out(volunteer))


class VolunteerLeaveIn(serializers.Serializer):
    confirm = serializers.BooleanField(help_text="Must be true: leaving erases your personal data.")

    def validate_confirm(self, value):
        if value is not True:
            raise serializers.ValidationError(_("Confirm that you want to leave."))
        return value


class LeaveView(APIView):
    @extend_schema(operation_id="volunteer_leave", request=VolunteerLeaveIn, responses={204: None}, tags=["volunteer"])
    def post(self, request):
        """Leave the programme: personal data erased, live matches ended."""
        volunteer = _volunteer(request)
        _valid(VolunteerLeaveIn, request)
        services.volunteer_leave(volunteer=volunteer)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenView(APIView):
    """Exchange a verified email and password (and the authenticator code, where two-factor
    authentication is on) for an API token; failures are limited as on the sign-in form."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    credential_door = True  # the schema documents the limiter's 429 (liens.api_schema)

    @extend_schema(operation_id="auth_token", request=AuthTokenIn, responses=AuthTokenOut, tags=["auth"])
    def post(self, request):
        data = _valid(AuthTokenIn, request)
        token = api_token_issue(
            request=request._request, email=data["email"], password=data["password"], code=data.get("code", "")
        )
        return Response({"token": token.key})
