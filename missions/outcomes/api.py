"""Outcomes through the API: reassessments due for the staff's association, a person's scores
over time, and the volunteer's certificate of hours (figures as JSON, or the PDF). The same
selectors and certificate reader as the pages; anything not the caller's answers 404."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from liens.api import query_params
from missions import disclosure
from missions.association.api import StaffAPIView
from missions.association.beneficiaries import beneficiary_file_open
from missions.association.serializers import AssociationQueryIn
from missions.models import Beneficiary, IsolationAlert
from volunteers.api import volunteer_or_404

from . import activity, certificates, schedule, selectors, trends
from .views import certificate_download

# --- reassessments ----------------------------------------------------------------------------

STATES = (schedule.OVERDUE, schedule.DUE, schedule.NO_BASELINE)


class ReassessmentListIn(AssociationQueryIn):
    state = serializers.ChoiceField(
        choices=STATES, required=False, allow_blank=True, default="", help_text="Only this group; all three if empty."
    )


class ReassessmentOut(serializers.Serializer):
    beneficiary = serializers.IntegerField(source="beneficiary_id")
    name = serializers.CharField()
    status = serializers.CharField()
    state = serializers.ChoiceField(choices=STATES, source="reassessment.state")
    next_due = serializers.DateField(source="reassessment.next_due", allow_null=True)
    baseline = serializers.DateField(source="reassessment.baseline", allow_null=True)
    last_taken = serializers.DateField(source="reassessment.last_taken", allow_null=True)


class ReassessmentsAPI(StaffAPIView):
    serializer_class = ReassessmentOut

    @extend_schema(
        parameters=[ReassessmentListIn],
        responses=ReassessmentOut(many=True),
        operation_id="association_reassessments",
        summary="People whose assessment is overdue, due soon, or not taken yet",
        description=(
            "Due 3 and 6 months after a person's first assessment, then every 6 months; intake and active "
            "people only. Overdue first (oldest due date first), then due soon, then no assessment yet."
        ),
    )
    def get(self, request):
        params = query_params(ReassessmentListIn, request)
        board = selectors.reassessment_board(association=self.association())
        groups = {schedule.OVERDUE: board.overdue, schedule.DUE: board.due, schedule.NO_BASELINE: board.no_baseline}
        rows = [row for state in STATES if params["state"] in ("", state) for row in groups[state]]
        return self.page(rows, ReassessmentOut)


# --- a person's trend ---------------------------------------------------------------------------


class TrendPointOut(serializers.Serializer):
    taken_on = serializers.DateField()
    score = serializers.IntegerField()
    flagged = serializers.BooleanField(help_text="Lonely (UCLA-3, DJG-6, direct) or isolated (LSNS-6).")


class ScaleTrendOut(serializers.Serializer):
    scale = serializers.CharField()
    label = serializers.CharField()
    minimum = serializers.IntegerField()
    maximum = serializers.IntegerField()
    higher_is_worse = serializers.BooleanField(help_text="True for the loneliness scales, false for LSNS-6.")
    threshold = serializers.IntegerField()
    change = serializers.IntegerField(allow_null=True, help_text="Last score minus first; null with one score.")
    direction = serializers.ChoiceField(choices=("better", "worse", "same"))
    summary = serializers.CharField(help_text="The change in words, in the caller's language.")
    points = TrendPointOut(many=True)


class ReassessmentStateOut(serializers.Serializer):
    state = serializers.ChoiceField(choices=(*STATES, schedule.LATER))
    next_due = serializers.DateField(allow_null=True)


class TrendOut(serializers.Serializer):
    beneficiary = serializers.IntegerField()
    reassessment = ReassessmentStateOut(allow_null=True, help_text="Null for a person paused or no longer followed.")
    scales = ScaleTrendOut(many=True)


def _trend_data(trend: selectors.ScaleTrend) -> dict:
    facts = trend.facts
    return {
        "scale": trend.scale,
        "label": trend.label,
        "minimum": facts.minimum,
        "maximum": facts.maximum,
        "higher_is_worse": facts.higher_is_worse,
        "threshold": facts.threshold,
        "change": trend.change,
        "direction": trend.direction,
        "summary": trends.summary(trend),
        "points": [{"taken_on": p.taken_on, "score": p.score, "flagged": trend.flagged(p.score)} for p in trend.points],
    }


class BeneficiaryTrendAPI(StaffAPIView):
    serializer_class = TrendOut

    @extend_schema(
        responses=TrendOut,
        operation_id="association_beneficiary_trend",
        summary="A person's scores over time, per scale, and their next reassessment",
    )
    def get(self, request, beneficiary_id: int):
        beneficiary = self.own(Beneficiary, beneficiary_id)
        outcomes = selectors.beneficiary_outcomes(beneficiary=beneficiary)
        beneficiary_file_open(beneficiary=beneficiary, by=request.user, parts=(disclosure.ASSESSMENTS,))
        reassessment = outcomes.reassessment
        return Response(
            TrendOut(
                {
                    "beneficiary": beneficiary.pk,
                    "reassessment": None
                    if reassessment is None
                    else {"state": reassessment.state, "next_due": reassessment.next_due},
                    "scales": [_trend_data(trend) for trend in outcomes.trends],
                }
            ).data
        )


# --- the volunteer's certificate ------------------------------------------------------------------


class CertificateIn(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (Paris time); 12 months ago by default.")
    end = serializers.DateField(required=False, help_text="Last day, at most today; today by default.")


class AssociationHoursOut(serializers.Serializer):
    association = serializers.CharField()
    visits = serializers.IntegerField()
    minutes = serializers.IntegerField()
    hours = serializers.FloatField()


class CertificateOut(serializers.Serializer):
    name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    issued_on = serializers.DateField()
    visits = serializers.IntegerField()
    minutes = serializers.IntegerField()
    hours = serializers.FloatField()
    associations = AssociationHoursOut(many=True, source="rows")
    reference = serializers.CharField(help_text="Signed; checked at verify_url.")
    verify_url = serializers.CharField()


def _certificate(request) -> certificates.Certificate:
    volunteer = volunteer_or_404(request)
    params = query_params(CertificateIn, request)
    today = selectors.site_today()
    start, end = certificates.default_period(today)
    return certificates.volunteer_certificate(
        volunteer=volunteer, start=params.get("start", start), end=params.get("end", end), today=today
    )


class CertificateAPI(APIView):
    @extend_schema(
        parameters=[CertificateIn],
        responses=CertificateOut,
        operation_id="volunteer_certificate",
        summary="My volunteer hours over a period, per association, with a signed reference",
        tags=["volunteer"],
    )
    def get(self, request):
        return Response(CertificateOut(_certificate(request)).data)


class PDFOrJSONErrors(BaseContentNegotiation):
    """The PDF is answered as it is (an HttpResponse); anything else, errors included, as JSON,
    whatever the client's Accept header says (an Accept of application/pdf is then no 406)."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CertificatePDFAPI(APIView):
    renderer_classes = [renderers.JSONRenderer]
    content_negotiation_class = PDFOrJSONErrors

    @extend_schema(
        parameters=[CertificateIn],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The certificate")},
        operation_id="volunteer_certificate_pdf",
        summary="My certificate of volunteer hours as a PDF, in my language",
        tags=["volunteer"],
    )
    def get(self, request):
        return certificate_download(_certificate(request), language=request.user.language)


# --- the activity report -----------------------------------------------------------------------


class ActivityIn(AssociationQueryIn):
    start = serializers.DateField(required=False, help_text="First day (Paris); the last full month by default.")
    end = serializers.DateField(required=False, help_text="Last day (Paris), today at the latest.")

    def validate(self, attrs):
        if ("start" in attrs) != ("end" in attrs):
            raise serializers.ValidationError({"end" if "start" in attrs else "start": [_("Give both dates.")]})
        return attrs


class ShareOut(serializers.Serializer):
    count = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)


class AlertKindOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IsolationAlert.Kind.choices)
    raised = serializers.IntegerField()
    acted_on = serializers.IntegerField(help_text="Acknowledged, or with an event written by a person.")
    median_hours = serializers.FloatField(allow_null=True, help_text="From raising to the first human action.")
    max_hours = serializers.FloatField(allow_null=True)


class ScaleBeforeAfterOut(serializers.Serializer):
    scale = serializers.CharField()
    label = serializers.CharField()
    people = serializers.IntegerField(help_text="People with two assessments or more on this scale by the end.")
    mean_first = serializers.FloatField(allow_null=True)
    mean_last = serializers.FloatField(allow_null=True)
    higher_is_worse = serializers.BooleanField()


class ActivityOut(serializers.Serializer):
    """missions.outcomes.activity.ActivityReport, field for field (see its module for each rule)."""

    start = serializers.DateField()
    end = serializers.DateField()
    association_ids = serializers.ListField(child=serializers.IntegerField())
    people_followed = serializers.IntegerField()
    people_new = serializers.IntegerField()
    referrals_new = serializers.IntegerField()
    referrals_by_source = serializers.DictField(child=serializers.IntegerField())
    referrals_by_status = serializers.DictField(child=serializers.IntegerField())
    referrals_by_outcome = serializers.DictField(child=serializers.IntegerField())
    visits_by_status = serializers.DictField(child=serializers.IntegerField())
    contacts_by_kind = serializers.DictField(child=serializers.IntegerField())
    volunteer_visits_counted = serializers.IntegerField()
    volunteer_minutes = serializers.IntegerField()
    volunteer_hours = serializers.FloatField(help_text="Volunteer time only: never includes lien social.")
    lien_social_sessions = serializers.IntegerField()
    lien_social_minutes = serializers.IntegerField()
    lien_social_hours = serializers.FloatField(help_text="Paid home-care time: never added to volunteer hours.")
    within_target = ShareOut()
    alerts = AlertKindOut(many=True)
    one_visitor = ShareOut()
    visitor_kept_months = ShareOut()
    volunteers_active = serializers.IntegerField()
    volunteers_retained = serializers.IntegerField()
    volunteers_active_before = serializers.IntegerField()
    scores = ScaleBeforeAfterOut(many=True)


class ActivityAPI(StaffAPIView):
    serializer_class = ActivityOut

    @extend_schema(
        parameters=[ActivityIn],
        responses=ActivityOut,
        operation_id="association_activity",
        summary="The association's activity report for a period (the page's and the exports' figures)",
        description=(
            "Managers and coordinators of the association (platform admins too). Volunteer hours and hours of "
            "lien social are two figures, never summed. A period is whole days in Paris time."
        ),
    )
    def get(self, request):
        params = query_params(ActivityIn, request)
        association = self.association()
        if not activity.report_reader(request.user, association):
            raise Http404
        today = selectors.association_today(association)
        start, end = activity.last_full_month(today)
        start, end = params.get("start", start), params.get("end", end)
        certificates.certificate_period_check(start=start, end=end, today=today)
        report = activity.activity_report(association_ids=[association.pk], start=start, end=end)
        return Response(ActivityOut(report.as_dict()).data)
