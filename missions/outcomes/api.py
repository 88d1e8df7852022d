"""Outcomes through the API: reassessments due for the staff's association, a person's scores
over time, and the volunteer's certificate of hours (figures as JSON, or the PDF). The same
selectors and certificate reader as the pages; anything not the caller's answers 404."""

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
from missions.models import Beneficiary
from volunteers.api import volunteer_or_404

from . import certificates, schedule, selectors, trends
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
