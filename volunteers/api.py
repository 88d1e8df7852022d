"""The volunteer's own API under /api/volunteer/: profile, vetting, calendar address, pause
and leave. One view per operation, separate input and output serializers; a domain refusal
answers 400 with the message under the field at fault.

The volunteer's missions, matches, visits and reports are served under the same prefix by
missions.volunteer.api (they are about missions). Serializer names start with "Volunteer" so
they stay unique in the site-wide OpenAPI schema."""

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from liens.choices import Interest, Language, VisitKind
from liens.scopes import scopes_disabled_for_request

from . import selectors, services


def volunteer_or_404(request):
    """The caller's active volunteer profile, or a 404 (as for anything not theirs)."""
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is None:
        raise NotFound(_("No volunteer profile."))
    # The volunteer's scope, as on their pages (volunteers.views.volunteer_required): what follows
    # reads the associations' rows only through this volunteer's own matches and open missions.
    scopes_disabled_for_request("a volunteer's API reads only their own matches and open missions")
    return volunteer


def valid_data(serializer_class, request) -> dict:
    """The request body validated by `serializer_class` (400 with field errors otherwise)."""
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
    notify_email = serializers.SerializerMethodField(help_text="Some group of messages comes by email.")
    notify_sms = serializers.SerializerMethodField(help_text="Some group of messages comes by SMS.")
    quiet_from = serializers.TimeField()
    quiet_until = serializers.TimeField()
    charter_accepted_at = serializers.DateTimeField(allow_null=True)
    data_consent_at = serializers.DateTimeField(allow_null=True)
    paused_until = serializers.DateField(allow_null=True)
    vetting_state = serializers.CharField()
    profile_steps_done = serializers.ListField(child=serializers.CharField())

    # The channels per group (User.notify_channels) seen as the profile's "by email, by SMS".
    @extend_schema_field(OpenApiTypes.BOOL)
    def get_notify_email(self, volunteer) -> bool:
        return self._ways(volunteer)[0]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_notify_sms(self, volunteer) -> bool:
        return self._ways(volunteer)[1]

    def _ways(self, volunteer) -> tuple[bool, bool]:
        if "ways" not in self.context:
            self.context["ways"] = selectors.notification_ways(volunteer.user)
        return self.context["ways"]


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


class VolunteerCalendarOut(serializers.Serializer):
    url = serializers.URLField()


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


# --- views --------------------------------------------------------------------------------


def _profile_out(volunteer) -> dict:
    volunteer = type(volunteer).objects.select_related("user").prefetch_related("slots").get(pk=volunteer.pk)
    return VolunteerProfileOut(volunteer).data


class ProfileView(APIView):
    @extend_schema(operation_id="volunteer_profile", responses=VolunteerProfileOut, tags=["volunteer"])
    def get(self, request):
        return Response(_profile_out(volunteer_or_404(request)))


class _StepView(APIView):
    """PUT one wizard step through its service; answers the whole profile."""

    input_class: type[serializers.Serializer]

    def save(self, volunteer, data: dict) -> None:
        raise NotImplementedError

    def step_put(self, request):
        volunteer = volunteer_or_404(request)
        data = valid_data(self.input_class, request)
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
        return Response(VolunteerVettingOut(selectors.vetting_summary(volunteer_or_404(request))).data)


class CalendarResetView(APIView):
    @extend_schema(
        operation_id="volunteer_calendar_reset", request=None, responses=VolunteerCalendarOut, tags=["volunteer"]
    )
    def post(self, request):
        """A new secret calendar URL; the old one answers 404 from now on."""
        volunteer = services.calendar_token_reset(volunteer=volunteer_or_404(request))
        path = reverse("volunteers:calendar_feed", kwargs={"token": volunteer.calendar_token})
        return Response({"url": request.build_absolute_uri(path)})


class CalendarView(APIView):
    @extend_schema(operation_id="volunteer_calendar", responses=VolunteerCalendarOut, tags=["volunteer"])
    def get(self, request):
        volunteer = volunteer_or_404(request)
        path = reverse("volunteers:calendar_feed", kwargs={"token": volunteer.calendar_token})
        return Response({"url": request.build_absolute_uri(path)})


class PauseView(APIView):
    @extend_schema(
        operation_id="volunteer_pause", request=VolunteerPauseIn, responses=VolunteerProfileOut, tags=["volunteer"]
    )
    def post(self, request):
        volunteer = volunteer_or_404(request)
        data = valid_data(VolunteerPauseIn, request)
        services.volunteer_pause(volunteer=volunteer, **data)
        return Response(_profile_out(volunteer))


class ResumeView(APIView):
    @extend_schema(operation_id="volunteer_resume", request=None, responses=VolunteerProfileOut, tags=["volunteer"])
    def post(self, request):
        volunteer = services.volunteer_resume(volunteer=volunteer_or_404(request))
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
        volunteer = volunteer_or_404(request)
        valid_data(VolunteerLeaveIn, request)
        services.volunteer_leave(volunteer=volunteer)
        return Response(status=status.HTTP_204_NO_CONTENT)
