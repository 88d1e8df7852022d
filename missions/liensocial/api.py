"""The lien-social API under /api/lien-social/: the same selectors and services as the pages.

Two sides, as on the pages: the home-care service's staff (sessions, their plans, the monthly
statement) and the person's association (plans: list, create, end). Anything outside the
caller's service or association answers 404; a domain refusal answers 400 under its field.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from liens.scopes import scope_enter, scopes_disabled

from ..models import ApaPlan, Association, Beneficiary, LienSocialSession, Membership, VisitReport
from ..models.liensocial import MAX_HOURS_PER_MONTH
from ..scoping import StaffScope, get_scoped_or_404
from . import selectors, services


class HomeCareStaff(BasePermission):
    """The home-care service's staff (the service asked with ?service=, else their first), with
    the service's scope active; anyone else signed in gets 404, as on the pages."""

    def has_permission(self, request, view) -> bool:
        if not request.user.is_authenticated:
            return False
        asked = request.query_params.get("service", "")
        membership = selectors.service_membership(request.user, int(asked) if asked.isdigit() else None)
        if getattr(view, "managers_only", False) and membership.role != Membership.Role.MANAGER:
            raise Http404
        scope_enter([membership.association_id])
        request.service = membership.association
        return True


# --- serializers ----------------------------------------------------------------------------------


class PlanOut(serializers.Serializer):
    id = serializers.IntegerField()
    beneficiary = serializers.IntegerField(source="beneficiary_id")
    first_name = serializers.CharField(source="beneficiary.first_name")
    service = serializers.IntegerField(source="service_id")
    hours_per_month = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)


class PlanIn(serializers.Serializer):
    beneficiary = serializers.IntegerField()
    service = serializers.IntegerField()
    hours_per_month = serializers.IntegerField(min_value=0, max_value=MAX_HOURS_PER_MONTH)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)


class PlanEndIn(serializers.Serializer):
    ends_on = serializers.DateField()


class SessionOut(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField(source="plan_id")
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    activity = serializers.ChoiceField(choices=LienSocialSession.Activity.choices)
    mood = serializers.ChoiceField(choices=VisitReport.Mood.choices)
    concerns = serializers.ListField(child=serializers.CharField())
    notes = serializers.CharField()
    over_plan_reason = serializers.CharField()


class SessionIn(serializers.Serializer):
    plan = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=1, max_value=600)
    activity = serializers.ChoiceField(choices=LienSocialSession.Activity.choices)
    mood = serializers.ChoiceField(choices=VisitReport.Mood.choices)
    concerns = serializers.ListField(
        child=serializers.ChoiceField(choices=VisitReport.Concern.choices), required=False, default=list
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    over_plan_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class StatementRowOut(serializers.Serializer):
    person = serializers.CharField()
    planned_minutes = serializers.IntegerField()
    delivered_minutes = serializers.IntegerField()
    activities = serializers.DictField(child=serializers.IntegerField())
    dates = serializers.ListField(child=serializers.DateTimeField())


class StatementOut(serializers.Serializer):
    service = serializers.IntegerField(source="service.pk")
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    planned_minutes = serializers.IntegerField()
    delivered_minutes = serializers.IntegerField()
    rows = StatementRowOut(many=True)


# --- the home-care service's side -------------------------------------------------------------------


class ServicePlanListApi(APIView):
    permission_classes = [HomeCareStaff]

    @extend_schema(operation_id="lien_social_service_plans", responses=PlanOut(many=True))
    def get(self, request):
        plans = selectors.service_plans(service=request.service).order_by("-starts_on", "pk")
        return Response(PlanOut(plans, many=True).data)


class SessionListCreateApi(APIView):
    permission_classes = [HomeCareStaff]

    @extend_schema(operation_id="lien_social_sessions", responses=SessionOut(many=True))
    def get(self, request):
        with scopes_disabled(selectors.SERVICE_SCOPE):
            sessions = LienSocialSession.objects.filter(plan__service=request.service).order_by("-starts_at")[:200]
            return Response(SessionOut(sessions, many=True).data)

    @extend_schema(operation_id="lien_social_session_create", request=SessionIn, responses={201: SessionOut})
    def post(self, request):
        data = SessionIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        plan = selectors.service_plan_or_404(service=request.service, plan_id=fields.pop("plan"))
        session = services.session_record(plan=plan, professional=request.user, **fields)
        return Response(SessionOut(session).data, status=201)


class StatementApi(APIView):
    permission_classes = [HomeCareStaff]
    managers_only = True

    @extend_schema(operation_id="lien_social_statement", responses=StatementOut)
    def get(self, request, year: int, month: int):
        if not (1 <= month <= 12 and 2024 <= year <= 2100):
            raise Http404
        return Response(StatementOut(selectors.statement(service=request.service, year=year, month=month)).data)


# --- the person's association's side ---------------------------------------------------------------


class AssociationPlanListCreateApi(APIView):
    permission_classes = [StaffScope]

    @extend_schema(operation_id="lien_social_plans", responses=PlanOut(many=True))
    def get(self, request):
        plans = ApaPlan.objects.select_related("beneficiary").order_by("-starts_on", "pk")
        return Response(PlanOut(plans, many=True).data)

    @extend_schema(operation_id="lien_social_plan_create", request=PlanIn, responses={201: PlanOut})
    def post(self, request):
        data = PlanIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        beneficiary = get_scoped_or_404(Beneficiary.objects.all(), request.user, pk=fields.pop("beneficiary"))
        with scopes_disabled("the validated home-care services, a public directory"):
            service = Association.objects.filter(pk=fields.pop("service")).first()
        plan = services.plan_create(beneficiary=beneficiary, service=service, by=request.user, **fields)
        return Response(PlanOut(plan).data, status=201)


class AssociationPlanEndApi(APIView):
    permission_classes = [StaffScope]

    @extend_schema(operation_id="lien_social_plan_end", request=PlanEndIn, responses=PlanOut)
    def post(self, request, plan_id: int):
        plan = get_scoped_or_404(
            ApaPlan.objects.select_related("beneficiary"), request.user, via="beneficiary__association", pk=plan_id
        )
        data = PlanEndIn(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.plan_end(plan=plan, ends_on=data.validated_data["ends_on"], by=request.user)
        return Response(PlanOut(plan).data)
