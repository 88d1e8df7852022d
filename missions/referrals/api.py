"""The referrals API under /api/association/: partners (list, register, switch off) and
referrals (list, one, a step of its life). The same selectors and services as the pages, one
view per operation, separate input and output serializers; outside the caller's associations
everything answers 404. The public form stays a page (it needs no account)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from liens.api import query_params
from liens.choices import VisitKind
from missions.association.api import ASSOCIATION_PARAM, StaffAPIView
from missions.models import Partner, Referral

from . import selectors, services
from .links import referral_link_url

# --- output ----------------------------------------------------------------------------------


class PartnerOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Partner.Kind.choices)
    name = serializers.CharField()
    contact_name = serializers.CharField()
    email = serializers.EmailField()
    active = serializers.BooleanField()
    link = serializers.SerializerMethodField(help_text="The private referral link; empty once switched off.")

    def get_link(self, partner) -> str:
        return referral_link_url(partner) if partner.active else ""


class ReferralRowOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Referral.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    postcode = serializers.CharField()
    partner = serializers.IntegerField(source="partner_id", allow_null=True)
    received_at = serializers.DateTimeField()
    possible_duplicate = serializers.IntegerField(source="possible_duplicate_id", allow_null=True)
    beneficiary = serializers.IntegerField(source="beneficiary_id", allow_null=True)


class ReferralOut(ReferralRowOut):
    referrer_name = serializers.CharField()
    referrer_role = serializers.CharField()
    referrer_email = serializers.CharField()
    referrer_phone = serializers.CharField()
    birth_year = serializers.IntegerField(allow_null=True)
    age_band = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()
    phone = serializers.CharField()
    reach_by = serializers.CharField()
    reach_notes = serializers.CharField()
    needs = serializers.ListField(child=serializers.CharField())
    needs_text = serializers.CharField()
    consent = serializers.CharField()
    consent_holder = serializers.CharField()
    support_kind = serializers.CharField()
    support_weekly = serializers.BooleanField()
    decline_reason = serializers.CharField()
    outcome = serializers.CharField()
    staff_notes = serializers.CharField()
    contacted_at = serializers.DateTimeField(allow_null=True)
    assessed_at = serializers.DateTimeField(allow_null=True)
    matched_at = serializers.DateTimeField(allow_null=True)
    first_visit_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    declined_at = serializers.DateTimeField(allow_null=True)


# --- input -----------------------------------------------------------------------------------


class PartnerIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[c for c in Partner.Kind.choices if c[0] != Partner.Kind.PUBLIC])
    name = serializers.CharField(max_length=200)
    contact_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.EmailField()


class ReferralListIn(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[("all", "all"), *Referral.Status.choices],
        required=False,
        allow_blank=True,
        default="",
        help_text='Open referrals by default; "all" for every one.',
    )


class TransitionIn(serializers.Serializer):
    to = serializers.ChoiceField(choices=[c for c in Referral.Status.choices if c[0] != Referral.Status.RECEIVED])
    decline_reason = serializers.ChoiceField(choices=Referral.DeclineReason.choices, required=False, default="")
    outcome = serializers.ChoiceField(choices=Referral.Outcome.choices, required=False, default="")
    support_kind = serializers.ChoiceField(choices=VisitKind.choices, required=False, default="")
    support_weekly = serializers.BooleanField(required=False, default=False)


# --- views -----------------------------------------------------------------------------------


class PartnersAPI(StaffAPIView):
    serializer_class = PartnerOut

    @extend_schema(
        parameters=[ASSOCIATION_PARAM],
        responses=PartnerOut(many=True),
        operation_id="association_partners",
        summary="The association's referral partners",
    )
    def get(self, request):
        return self.page(selectors.partner_list(association=self.association()), PartnerOut)

    @extend_schema(
        parameters=[ASSOCIATION_PARAM],
        request=PartnerIn,
        responses={201: PartnerOut},
        operation_id="association_partner_create",
        summary="Register a partner (managers)",
    )
    def post(self, request):
        data = PartnerIn(data=request.data)
        data.is_valid(raise_exception=True)
        partner = services.partner_create(association=self.association(), by=request.user, **data.validated_data)
        return Response(PartnerOut(partner).data, status=status.HTTP_201_CREATED)


class PartnerDeactivateAPI(StaffAPIView):
    serializer_class = PartnerOut

    @extend_schema(
        request=None,
        responses=PartnerOut,
        operation_id="association_partner_deactivate",
        summary="Switch a partner off: its link dies (managers)",
    )
    def post(self, request, partner_id: int):
        partner = services.partner_deactivate(partner=self.own(Partner, partner_id), by=request.user)
        return Response(PartnerOut(partner).data)


class ReferralsAPI(StaffAPIView):
    serializer_class = ReferralRowOut

    @extend_schema(
        parameters=[ReferralListIn, ASSOCIATION_PARAM],
        responses=ReferralRowOut(many=True),
        operation_id="association_referrals",
        summary="Referrals received, newest first",
    )
    def get(self, request):
        wanted = query_params(ReferralListIn, request)
        return self.page(
            selectors.referral_inbox(association=self.association(), status=wanted["status"]), ReferralRowOut
        )


class ReferralAPI(StaffAPIView):
    serializer_class = ReferralOut

    @extend_schema(responses=ReferralOut, operation_id="association_referral", summary="One referral")
    def get(self, request, referral_id: int):
        return Response(ReferralOut(self.own(Referral, referral_id)).data)


class ReferralTransitionAPI(StaffAPIView):
    serializer_class = ReferralOut

    @extend_schema(
        request=TransitionIn,
        responses=ReferralOut,
        operation_id="association_referral_transition",
        summary="Take a referral one step along its life",
    )
    def post(self, request, referral_id: int):
        referral = self.own(Referral, referral_id)
        data = TransitionIn(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.referral_transition(referral=referral, by=request.user, **data.validated_data)
        return Response(ReferralOut(referral).data)
