"""The alerts API under /api/alerts/: the same selectors and services as the pages, one view per
operation, separate input and output serializers. Alerts outside the caller's associations
answer 404; a domain refusal answers 400 with the message under the field at fault."""

from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from liens.api import query_params
from liens.models import User

from ..association.beneficiaries import KEY_CONTACT_FIELDS
from ..models import IsolationAlert, ReferralService
from ..scoping import StaffScope
from . import selectors, services
from .forms import STATE_CHOICES

# --- output serializers ---------------------------------------------------------------------------


class PersonOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.email


class BeneficiaryBriefOut(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    last_contact_at = serializers.DateTimeField(allow_null=True)
    contact_target_days = serializers.IntegerField()


class AlertOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=IsolationAlert.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    severity = serializers.ChoiceField(choices=IsolationAlert.Severity.choices)
    severity_label = serializers.CharField(source="get_severity_display")
    association = serializers.IntegerField(source="association_id")
    beneficiary = BeneficiaryBriefOut()
    started_at = serializers.DateTimeField()
    raised_at = serializers.DateTimeField()
    assigned_to = PersonOut(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    escalation_level = serializers.IntegerField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolution = serializers.CharField()


class EventOut(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="null on the first line, the raising.")
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    at = serializers.DateTimeField()
    author = PersonOut(allow_null=True)
    note = serializers.CharField()
    data = serializers.DictField()


class ContactOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    occurred_at = serializers.DateTimeField()
    recorded_by = PersonOut(allow_null=True)
    notes = serializers.CharField()


class ReportOut(serializers.Serializer):
    id = serializers.IntegerField()
    visit_starts_at = serializers.DateTimeField(source="visit.starts_at")
    happened = serializers.BooleanField()
    mood = serializers.CharField()
    concerns = serializers.ListField(child=serializers.CharField())
    notes = serializers.CharField()
    submitted_at = serializers.DateTimeField()


# A key contact, each field the person's file holds (the service's one list) as text.
KeyContactOut = type(
    "KeyContactOut", (serializers.Serializer,), {name: serializers.CharField() for name in KEY_CONTACT_FIELDS}
)


class AlertDetailOut(AlertOut):
    phone = serializers.CharField(source="beneficiary.phone")
    events = EventOut(many=True, source="file.events")
    contacts = ContactOut(many=True, source="file.contacts")
    reports = ReportOut(many=True, source="file.reports")
    key_contacts = KeyContactOut(many=True, source="file.key_contacts")
    assignees = PersonOut(many=True, source="file.assignees")


class NumbersWeekOut(serializers.Serializer):
    ends_at = serializers.DateTimeField()
    within = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)


class NumbersOut(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())
    active = serializers.IntegerField()
    within_target = serializers.IntegerField()
    within_target_percent = serializers.IntegerField(allow_null=True)
    median_days = serializers.FloatField(allow_null=True)
    weeks = NumbersWeekOut(many=True)


# --- input serializers ----------------------------------------------------------------------------


class QueueIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IsolationAlert.Kind.choices, required=False, allow_blank=True)
    severity = serializers.ChoiceField(choices=IsolationAlert.Severity.choices, required=False)
    state = serializers.ChoiceField(choices=[value for value, _ in STATE_CHOICES], required=False, allow_blank=True)
    assignee = serializers.RegexField(
        r"^(me|none|[1-9]\d{0,17})$",
        required=False,
        allow_blank=True,
        help_text='"me", "none" or a user id',
        error_messages={"invalid": gettext_lazy("Choose “me”, “none” or a person's number.")},
    )


class AssignIn(serializers.Serializer):
    assignee = serializers.IntegerField(help_text="User id of a member of the alert's association staff")


class NoteIn(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class CallIn(serializers.Serializer):
    reached = serializers.BooleanField(help_text="Whether the person was reached: then it is a contact")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ReferIn(serializers.Serializer):
    service = serializers.ChoiceField(choices=ReferralService.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ResolveIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


# --- views ----------------------------------------------------------------------------------------


def _alert(request, pk: int) -> IsolationAlert:
    try:
        return selectors.alert_get(user=request.user, alert_id=pk)
    except Http404 as exc:
        raise NotFound() from exc


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class AlertListApi(GenericAPIView):
    permission_classes = [StaffScope]
    serializer_class = AlertOut

    @extend_schema(
        operation_id="alerts_list",
        parameters=[QueueIn],
        responses=AlertOut(many=True),
        summary="The review queue: most severe and oldest first",
    )
    def get(self, request):
        filters = {key: value for key, value in query_params(QueueIn, request).items() if value}
        page = self.paginate_queryset(selectors.alert_queue(user=request.user, **filters))
        return self.get_paginated_response(AlertOut(page, many=True).data)


class AlertNumbersApi(APIView):
    permission_classes = [StaffScope]

    @extend_schema(operation_id="alerts_numbers", responses=NumbersOut, summary="Open alerts and contact regularity")
    def get(self, request):
        return Response(NumbersOut(selectors.alert_numbers(association_ids=request.association_ids)).data)


def _detail_response(request, alert: IsolationAlert) -> Response:
    alert.file = services.alert_file_open(alert=alert, by=request.user, parts=services.ALERT_API_DETAILS)
    return Response(AlertDetailOut(alert).data)


class AlertDetailApi(APIView):
    permission_classes = [StaffScope]

    @extend_schema(operation_id="alerts_retrieve", responses=AlertDetailOut, summary="One alert and the person's file")
    def get(self, request, pk: int):
        return _detail_response(request, _alert(request, pk))


class _ActionApi(APIView):
    """POST one action on one alert; answers the alert's new state."""

    permission_classes = [StaffScope]

    input_serializer: type[serializers.Serializer] | None = None

    def perform(self, alert: IsolationAlert, data: dict, user) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def post(self, request, pk: int):
        alert = _alert(request, pk)
        data = _valid(self.input_serializer, request.data) if self.input_serializer else {}
        self.perform(alert, data, request.user)
        return _detail_response(request, _alert(request, pk))


class AlertAcknowledgeApi(_ActionApi):
    @extend_schema(operation_id="alerts_acknowledge", request=None, responses=AlertDetailOut)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, alert, data, user):
        services.alert_acknowledge(alert=alert, by=user)


class AlertAssignApi(_ActionApi):
    input_serializer = AssignIn

    @extend_schema(operation_id="alerts_assign", request=AssignIn, responses=AlertDetailOut)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, alert, data, user):
        assignee = User.objects.filter(pk=data["assignee"]).first()
        services.alert_assign(alert=alert, by=user, assignee=assignee)


class AlertNoteApi(_ActionApi):
    input_serializer = NoteIn

    @extend_schema(operation_id="alerts_note", request=NoteIn, responses=AlertDetailOut)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, alert, data, user):
        services.alert_note_add(alert=alert, by=user, note=data["note"])


class AlertCallApi(_ActionApi):
    input_serializer = CallIn

    @extend_schema(operation_id="alerts_call", request=CallIn, responses=AlertDetailOut)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, alert, data, user):
        services.alert_call_log(
            alert=alert, by=user, reached=data["reached"], note=data["note"], occurred_at=data["occurred_at"]
        )


class AlertReferApi(_ActionApi):
    input_serializer = ReferIn

    @extend_schema(operation_id="alerts_refer", request=ReferIn, responses=AlertDetailOut)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, alert, data, user):
        services.alert_refer(alert=alert, by=user, service=data["service"], note=data["note"])


class AlertResolveApi(_ActionApi):
    input_serializer = ResolveIn

    @extend_schema(operation_id="alerts_resolve", request=ResolveIn, responses=AlertDetailOut)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, alert, data, user):
        services.alert_resolve(alert=alert, by=user, reason=data["reason"])
