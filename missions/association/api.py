"""API of the association side, under /api/association/. One view per resource or operation,
separate input and output serializers, the same services as the pages, the same scoping: an
object outside the caller's associations answers 404."""

from django.http import Http404
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from liens.api import query_params
from liens.choices import Interest, Language, VisitKind, VisitorPreference
from missions import assessments, deadline
from missions.models import (
    Assessment,
    Association,
    Beneficiary,
    ImportJob,
    Invitation,
    KeyContact,
    Membership,
    Mission,
)
from missions.scoping import (
    associations_for,
    current_association,
    get_scoped_or_404,
    scoped,
    vetting_refusal,
    volunteers_visible,
)
from volunteers.models import Volunteer
from volunteers.vetting import vetting_steps_left

from . import beneficiaries as beneficiary_services
from . import imports as import_services
from . import missions as mission_services
from . import selectors, services, tasks, validators
from . import staff as staff_services


class AssociationQueryIn(serializers.Serializer):
    association = serializers.IntegerField(
        required=False, min_value=1, help_text="Association to work on (defaults to the caller's first)."
    )


class BeneficiaryListIn(AssociationQueryIn):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    status = serializers.ChoiceField(choices=Beneficiary.Status.choices, required=False, allow_blank=True, default="")


class MissionListIn(AssociationQueryIn):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    status = serializers.ChoiceField(choices=Mission.Status.choices, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=VisitKind.choices, required=False, allow_blank=True, default="")


ASSOCIATION_PARAM = AssociationQueryIn


class StaffAPIView(GenericAPIView):
    """Base: resolves the association the request works on; 404 for anyone who works for none."""

    def association(self) -> Association:
        return current_association(self.request.user, query_params(AssociationQueryIn, self.request).get("association"))

    def own(self, model, pk, *, via="association", queryset=None):
        return get_scoped_or_404(
            queryset if queryset is not None else model.objects.all(), self.request.user, via=via, pk=pk
        )

    def page(self, queryset, serializer_class):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True).data)


# --- serializers ----------------------------------------------------------------------------


class AssociationSignupIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    legal_form = serializers.CharField(max_length=80, default="Association loi 1901")
    siret = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    rna = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200)
    postcode = serializers.RegexField(r"^\d{5}$", max_length=5)
    city = serializers.CharField(max_length=100)
    territory = serializers.CharField(max_length=100)
    contact_email = serializers.EmailField()
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")

    # DRF turns the Django ValidationError these raise into the field's 400 details.
    def validate_siret(self, value):
        return validators.clean_siret(value)

    def validate_rna(self, value):
        return validators.clean_rna(value)


class AssociationOut(serializers.ModelSerializer):
    is_validated = serializers.BooleanField(read_only=True)

    class Meta:
        model = Association
        fields = [
            "id",
            "name",
            "legal_form",
            "siret",
            "rna",
            "address",
            "postcode",
            "city",
            "territory",
            "contact_email",
            "contact_phone",
            "timezone",
            "default_contact_target_days",
            "default_contact_grace_days",
            "is_validated",
            "validated_at",
            "created_at",
        ]


class InvitationIn(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.COORDINATOR)


class InvitationOut(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "expires_at", "accepted_at", "created_at"]


class MembershipOut(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.get_full_name")

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "created_at"]


class StaffOut(serializers.Serializer):
    members = MembershipOut(many=True)
    invitations = InvitationOut(many=True)


class KeyContactIO(serializers.ModelSerializer):
    class Meta:
        model = KeyContact
        fields = ["kind", "name", "relation", "phone", "email"]


MAX_KEY_CONTACTS = 20


class BeneficiaryIn(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    birth_year = serializers.IntegerField(required=False, allow_null=True)
    gender = serializers.CharField(max_length=8, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200)
    postcode = serializers.RegexField(r"^\d{5}$", max_length=5)
    city = serializers.CharField(max_length=100)
    neighbourhood = serializers.CharField(max_length=100, required=False, allow_blank=True)
    access_notes = serializers.CharField(required=False, allow_blank=True)
    practical_tips = serializers.CharField(required=False, allow_blank=True)
    referral_source = serializers.ChoiceField(choices=Beneficiary.ReferralSource.choices)
    referrer_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    referrer_contact = serializers.CharField(max_length=150, required=False, allow_blank=True)
    referral_reason = serializers.CharField(required=False, allow_blank=True)
    consent_by = serializers.ChoiceField(choices=Beneficiary.ConsentBy.choices, required=False, allow_blank=True)
    consent_on = serializers.DateField(required=False, allow_null=True)
    assessed_on = serializers.DateField(required=False, allow_null=True)
    # Lists bounded by what they may hold: each choice once at most, a handful of key contacts.
    interests = serializers.ListField(
        child=serializers.ChoiceField(choices=Interest.choices), required=False, max_length=len(Interest.choices)
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=Language.choices), required=False, max_length=len(Language.choices)
    )
    required_languages = serializers.ListField(
        child=serializers.ChoiceField(choices=Language.choices), required=False, max_length=len(Language.choices)
    )
    visitor_preference = serializers.ChoiceField(choices=VisitorPreference.choices, required=False)
    best_times = serializers.CharField(max_length=200, required=False, allow_blank=True)
    mobility_notes = serializers.CharField(max_length=200, required=False, allow_blank=True)
    hearing_notes = serializers.CharField(max_length=200, required=False, allow_blank=True)
    has_pets = serializers.BooleanField(required=False)
    smoker = serializers.BooleanField(required=False)
    apa_social_hours = serializers.BooleanField(required=False)
    contact_target_days = serializers.IntegerField(
        required=False, min_value=deadline.TARGET_DAYS_MIN, max_value=deadline.TARGET_DAYS_MAX
    )
    contact_grace_days = serializers.IntegerField(
        required=False, min_value=deadline.GRACE_DAYS_MIN, max_value=deadline.GRACE_DAYS_MAX
    )
    key_contacts = KeyContactIO(many=True, required=False, max_length=MAX_KEY_CONTACTS)


class BeneficiaryOut(serializers.ModelSerializer):
    key_contacts = KeyContactIO(many=True, read_only=True)

    class Meta:
        model = Beneficiary
        # What staff write on the file (one list, the service's), then what Liens keeps itself.
        fields = [
            "id",
            *beneficiary_services.BENEFICIARY_FIELDS,
            "latitude",
            "longitude",
            "status",
            "paused_until",
            "pause_reason",
            "last_contact_at",
            "key_contacts",
            "created_at",
        ]


class BeneficiaryRowOut(serializers.ModelSerializer):
    class Meta:
        model = Beneficiary
        fields = ["id", "first_name", "last_name", "postcode", "city", "status", "last_contact_at"]


class PauseIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    until = serializers.DateField()


class EndIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "maxLength": 20}]})
class AssessmentAnswerField(serializers.Field):
    """One answer: a number (UCLA-3, LSNS-6) or a word (DJG-6, direct); nothing nested."""

    default_error_messages = {"invalid": gettext_lazy("Each answer is a number or a word.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str) or (isinstance(data, str) and len(data) > 20):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class AssessmentIn(serializers.Serializer):
    scale = serializers.ChoiceField(choices=Assessment.Scale.choices)
    answers = serializers.ListField(
        child=AssessmentAnswerField(),
        max_length=6,
        help_text="UCLA-3: three of 1-3; LSNS-6: six of 0-5; DJG-6: six of yes/more_or_less/no; "
        "direct: one of never/rarely/sometimes/often/always.",
    )
    taken_on = serializers.DateField()


class AssessmentOut(serializers.ModelSerializer):
    flagged = serializers.SerializerMethodField()
    subscales = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = ["id", "scale", "answers", "score", "subscales", "flagged", "taken_on"]

    def _score(self, obj):
        return assessments.score(obj.scale, obj.answers)

    def get_flagged(self, obj) -> bool:
        return self._score(obj).flagged

    def get_subscales(self, obj) -> dict[str, int]:
        return self._score(obj).subscales


class MissionIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=VisitKind.choices)
    beneficiary = serializers.IntegerField(required=False, allow_null=True)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    requirements = serializers.CharField(required=False, allow_blank=True)
    recurrence = serializers.ChoiceField(choices=Mission.Recurrence.choices)
    first_date = serializers.DateField(help_text="One-off: the day. Weekly: the first date.")
    local_time = serializers.TimeField(help_text="Wall-clock time in the association's time zone.")
    weekday = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=6)
    end_date = serializers.DateField(required=False, allow_null=True)
    duration_minutes = serializers.IntegerField(required=False, min_value=10, max_value=600)
    volunteers_needed = serializers.IntegerField(required=False, min_value=1, max_value=50)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)


class MissionOut(serializers.ModelSerializer):
    class Meta:
        model = Mission
        fields = [
            "id",
            "kind",
            "beneficiary",
            "title",
            "description",
            "requirements",
            "recurrence",
            "starts_at",
            "weekday",
            "local_time",
            "first_date",
            "end_date",
            "duration_minutes",
            "volunteers_needed",
            "place",
            "status",
            "created_at",
        ]


class VettingRecordOut(serializers.Serializer):
    step = serializers.CharField()
    done_on = serializers.DateField()
    association = serializers.IntegerField(source="association_id", allow_null=True)
    association_name = serializers.CharField(source="association.name", allow_null=True, default=None)


class VolunteerWaitingOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="user.get_full_name")
    postcode = serializers.CharField()
    interview_on = serializers.DateField(allow_null=True)
    training_on = serializers.DateField(allow_null=True)
    background_check_on = serializers.DateField(allow_null=True)
    charter_accepted = serializers.SerializerMethodField()
    steps_left = serializers.SerializerMethodField()
    vetting_state = serializers.CharField()
    recorded_by = serializers.SerializerMethodField(help_text="Each step done: when, and which association vouches.")

    @extend_schema_field(VettingRecordOut(many=True))
    def get_recorded_by(self, obj) -> list:
        return VettingRecordOut(selectors.vetting_traces(obj).values(), many=True).data

    def get_steps_left(self, obj) -> list[str]:
        return vetting_steps_left(obj)

    def get_charter_accepted(self, obj) -> bool:
        return obj.charter_accepted_at is not None


class VettingIn(serializers.Serializer):
    step = serializers.ChoiceField(choices=["interview", "training", "background_check"])
    on = serializers.DateField(required=False, allow_null=True)


class ImportUploadIn(serializers.Serializer):
    file = serializers.FileField()


class ImportConfirmIn(serializers.Serializer):
    valid_only = serializers.BooleanField(default=False)


class ImportProblemOut(serializers.Serializer):
    line = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class ImportJobOut(serializers.ModelSerializer):
    report = ImportProblemOut(many=True)
    valid_count = serializers.IntegerField(read_only=True)
    invalid_count = serializers.IntegerField(read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "filename",
            "status",
            "total_rows",
            "processed_rows",
            "percent",
            "valid_count",
            "invalid_count",
            "imported_count",
            "valid_only",
            "report",
            "error",
            "created_at",
        ]


class AttentionOut(serializers.Serializer):
    association = serializers.IntegerField()
    open_alerts = serializers.IntegerField()
    unfilled_missions = serializers.IntegerField()
    draft_missions = serializers.IntegerField()
    visits_without_report = serializers.IntegerField()
    volunteers_waiting = serializers.IntegerField()
    beneficiaries_in_intake = serializers.IntegerField()
    pauses_ending = serializers.IntegerField()


# --- views ----------------------------------------------------------------------------------


class HomeAPI(StaffAPIView):
    serializer_class = AttentionOut

    @extend_schema(parameters=[ASSOCIATION_PARAM], responses=AttentionOut, summary="What needs attention today")
    def get(self, request):
        association = self.association()
        attention = selectors.association_attention(association=association, user=request.user)
        return Response(AttentionOut({"association": association.pk, **attention.__dict__}).data)


class SignupAPI(APIView):
    @extend_schema(request=AssociationSignupIn, responses={201: AssociationOut}, summary="Register an association")
    def post(self, request):
        data = AssociationSignupIn(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data["siret"] and not data.validated_data["rna"]:
            raise ValidationError({"siret": [_siret_or_rna()]})
        association = services.association_signup(user=request.user, **data.validated_data)
        return Response(AssociationOut(association).data, status=status.HTTP_201_CREATED)


def _siret_or_rna() -> str:
    return gettext("Give the association's SIRET or RNA number.")


class PendingAssociationsAPI(APIView):
    @extend_schema(responses=AssociationOut(many=True), summary="Associations awaiting validation (platform admins)")
    def get(self, request):
        if not request.user.is_staff:
            raise Http404
        return Response(AssociationOut(selectors.associations_awaiting_validation(), many=True).data)


class ValidateAssociationAPI(APIView):
    @extend_schema(request=None, responses=AssociationOut, summary="Validate an association (platform admins)")
    def post(self, request, association_id: int):
        if not request.user.is_staff:
            raise Http404
        association = get_scoped_or_404(associations_for(request.user), request.user, via="id", pk=association_id)
        association = services.association_validate(association=association, by=request.user)
        return Response(AssociationOut(association).data)


class StaffAPI(StaffAPIView):
    @extend_schema(parameters=[ASSOCIATION_PARAM], responses=StaffOut, summary="Staff and pending invitations")
    def get(self, request):
        members, invitations = selectors.staff_list(association=self.association())
        return Response(StaffOut({"members": members, "invitations": invitations}).data)


class InvitationsAPI(StaffAPIView):
    @extend_schema(
        parameters=[ASSOCIATION_PARAM],
        request=InvitationIn,
        responses={201: InvitationOut},
        summary="Invite someone to the staff (managers)",
    )
    def post(self, request):
        data = InvitationIn(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = staff_services.invitation_send(
            association=self.association(), by=request.user, **data.validated_data
        )
        return Response(InvitationOut(invitation).data, status=status.HTTP_201_CREATED)


class MembershipAPI(StaffAPIView):
    @extend_schema(request=None, responses={204: None}, summary="Remove someone from the staff (managers)")
    def delete(self, request, membership_id: int):
        membership = self.own(Membership, membership_id)
        staff_services.membership_remove(membership=membership, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def beneficiary_answer(request, beneficiary: Beneficiary, *, status_code: int = status.HTTP_200_OK) -> Response:
    """The person's record as an answer: every answer carrying it writes one access-log row."""
    beneficiary_services.beneficiary_file_open(beneficiary=beneficiary, by=request.user)
    return Response(BeneficiaryOut(beneficiary).data, status=status_code)


class BeneficiariesAPI(StaffAPIView):
    serializer_class = BeneficiaryRowOut

    @extend_schema(
        parameters=[BeneficiaryListIn],
        responses=BeneficiaryRowOut(many=True),
        summary="List beneficiaries",
    )
    def get(self, request):
        search = query_params(BeneficiaryListIn, request)
        rows = selectors.beneficiary_list(association=self.association(), q=search["q"], status=search["status"])
        return self.page(rows, BeneficiaryRowOut)

    @extend_schema(
        parameters=[ASSOCIATION_PARAM],
        request=BeneficiaryIn,
        responses={201: BeneficiaryOut},
        summary="Record a referral",
    )
    def post(self, request):
        data = BeneficiaryIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        contacts = fields.pop("key_contacts", [])
        beneficiary = beneficiary_services.beneficiary_create(
            association=self.association(), by=request.user, key_contacts=contacts, **fields
        )
        return beneficiary_answer(request, beneficiary, status_code=status.HTTP_201_CREATED)


class BeneficiaryAPI(StaffAPIView):
    serializer_class = BeneficiaryOut

    @extend_schema(responses=BeneficiaryOut, summary="One beneficiary")
    def get(self, request, beneficiary_id: int):
        beneficiary = self.own(
            Beneficiary, beneficiary_id, queryset=Beneficiary.objects.prefetch_related("key_contacts")
        )
        return beneficiary_answer(request, beneficiary)

    @extend_schema(request=BeneficiaryIn, responses=BeneficiaryOut, summary="Change a beneficiary (partial)")
    def patch(self, request, beneficiary_id: int):
        beneficiary = self.own(Beneficiary, beneficiary_id)
        data = BeneficiaryIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        contacts = fields.pop("key_contacts", None)
        beneficiary = beneficiary_services.beneficiary_update(
            beneficiary=beneficiary, by=request.user, key_contacts=contacts, **fields
        )
        return beneficiary_answer(request, beneficiary)


class _BeneficiaryActionAPI(StaffAPIView):
    """One change of a beneficiary's status; each subclass names its service in `act`."""

    input_class = None

    def act(self, **kwargs) -> Beneficiary:
        raise NotImplementedError

    def post(self, request, beneficiary_id: int):
        beneficiary = self.own(Beneficiary, beneficiary_id)
        kwargs = {}
        if self.input_class is not None:
            data = self.input_class(data=request.data)
            data.is_valid(raise_exception=True)
            kwargs = data.validated_data
        beneficiary = self.act(beneficiary=beneficiary, by=request.user, **kwargs)
        return beneficiary_answer(request, beneficiary)


@extend_schema(request=None, responses=BeneficiaryOut, summary="Start following (needs consent)")
class BeneficiaryActivateAPI(_BeneficiaryActionAPI):
    def act(self, **kwargs):
        return beneficiary_services.beneficiary_activate(**kwargs)


@extend_schema(request=PauseIn, responses=BeneficiaryOut, summary="Pause visits until a date")
class BeneficiaryPauseAPI(_BeneficiaryActionAPI):
    input_class = PauseIn

    def act(self, **kwargs):
        return beneficiary_services.beneficiary_pause(**kwargs)


@extend_schema(request=None, responses=BeneficiaryOut, summary="End a pause")
class BeneficiaryResumeAPI(_BeneficiaryActionAPI):
    def act(self, **kwargs):
        return beneficiary_services.beneficiary_resume(**kwargs)


@extend_schema(request=EndIn, responses=BeneficiaryOut, summary="Stop following")
class BeneficiaryEndAPI(_BeneficiaryActionAPI):
    input_class = EndIn

    def act(self, **kwargs):
        return beneficiary_services.beneficiary_end(**kwargs)


class AssessmentsAPI(StaffAPIView):
    serializer_class = AssessmentOut

    @extend_schema(responses=AssessmentOut(many=True), summary="A beneficiary's assessments, newest first")
    def get(self, request, beneficiary_id: int):
        beneficiary = self.own(Beneficiary, beneficiary_id)
        beneficiary_services.beneficiary_file_open(beneficiary=beneficiary, by=request.user, what="assessments")
        return self.page(beneficiary.assessments.order_by("-taken_on", "-pk"), AssessmentOut)

    @extend_schema(request=AssessmentIn, responses={201: AssessmentOut}, summary="Record an assessment")
    def post(self, request, beneficiary_id: int):
        beneficiary = self.own(Beneficiary, beneficiary_id)
        data = AssessmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = beneficiary_services.assessment_record(
            beneficiary=beneficiary, by=request.user, **data.validated_data
        )
        beneficiary_services.beneficiary_file_open(beneficiary=beneficiary, by=request.user, what="assessments")
        return Response(AssessmentOut(assessment).data, status=status.HTTP_201_CREATED)


def _mission_fields(view: StaffAPIView, association: Association, data: dict) -> dict:
    fields = dict(data)
    if fields.get("beneficiary") is not None:
        # Someone else's beneficiary id is refused as if it did not exist.
        try:
            fields["beneficiary"] = scoped(Beneficiary.objects.filter(association=association), view.request.user).get(
                pk=fields["beneficiary"]
            )
        except Beneficiary.DoesNotExist as exc:
            raise ValidationError({"beneficiary": ["Unknown beneficiary."]}) from exc
    return fields


class MissionsAPI(StaffAPIView):
    serializer_class = MissionOut

    @extend_schema(
        parameters=[MissionListIn],
        responses=MissionOut(many=True),
        summary="List missions",
    )
    def get(self, request):
        search = query_params(MissionListIn, request)
        rows = selectors.mission_list(
            association=self.association(), q=search["q"], status=search["status"], kind=search["kind"]
        )
        return self.page(rows, MissionOut)

    @extend_schema(
        parameters=[ASSOCIATION_PARAM], request=MissionIn, responses={201: MissionOut}, summary="Prepare a mission"
    )
    def post(self, request):
        association = self.association()
        data = MissionIn(data=request.data)
        data.is_valid(raise_exception=True)
        mission = mission_services.mission_create(
            association=association, by=request.user, **_mission_fields(self, association, data.validated_data)
        )
        return Response(MissionOut(mission).data, status=status.HTTP_201_CREATED)


class MissionAPI(StaffAPIView):
    serializer_class = MissionOut

    @extend_schema(responses=MissionOut, summary="One mission")
    def get(self, request, mission_id: int):
        return Response(MissionOut(self.own(Mission, mission_id)).data)

    @extend_schema(request=MissionIn, responses=MissionOut, summary="Change a mission (partial)")
    def patch(self, request, mission_id: int):
        mission = self.own(Mission, mission_id, queryset=Mission.objects.select_related("association"))
        data = MissionIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        mission = mission_services.mission_update(
            mission=mission, by=request.user, **_mission_fields(self, mission.association, data.validated_data)
        )
        return Response(MissionOut(mission).data)


class _MissionActionAPI(StaffAPIView):
    """One change of a mission's status; each subclass names its service in `act`."""

    def act(self, **kwargs) -> Mission:
        raise NotImplementedError

    def post(self, request, mission_id: int):
        mission = self.own(Mission, mission_id)
        mission = self.act(mission=mission, by=request.user)
        return Response(MissionOut(mission).data)


@extend_schema(request=None, responses=MissionOut, summary="Publish a draft (validated associations)")
class MissionPublishAPI(_MissionActionAPI):
    def act(self, **kwargs):
        return mission_services.mission_publish(**kwargs)


@extend_schema(request=None, responses=MissionOut, summary="Mark a mission filled")
class MissionFillAPI(_MissionActionAPI):
    def act(self, **kwargs):
        return mission_services.mission_fill(**kwargs)


@extend_schema(request=None, responses=MissionOut, summary="Reopen a filled mission")
class MissionReopenAPI(_MissionActionAPI):
    def act(self, **kwargs):
        return mission_services.mission_reopen(**kwargs)


@extend_schema(request=None, responses=MissionOut, summary="Close a mission")
class MissionCloseAPI(_MissionActionAPI):
    def act(self, **kwargs):
        return mission_services.mission_close(**kwargs)


def vetting_allowed(view: StaffAPIView, association: Association) -> None:
    """403 with the reason when the caller may not vet for this association (scoping.vetting_refusal)."""
    refusal = vetting_refusal(view.request.user, association)
    if refusal is not None:
        raise PermissionDenied(refusal)


class VettingAPI(StaffAPIView):
    serializer_class = VolunteerWaitingOut

    @extend_schema(
        parameters=[ASSOCIATION_PARAM], responses=VolunteerWaitingOut(many=True), summary="Volunteers awaiting vetting"
    )
    def get(self, request):
        association = self.association()
        vetting_allowed(self, association)
        return self.page(selectors.vetting_desk(association=association, user=request.user), VolunteerWaitingOut)


class VettingRecordAPI(StaffAPIView):
    @extend_schema(
        parameters=[ASSOCIATION_PARAM],
        request=VettingIn,
        responses=VolunteerWaitingOut,
        summary="Record a vetting step",
    )
    def post(self, request, volunteer_id: int):
        association = self.association()
        vetting_allowed(self, association)
        # Only volunteers on this association's desk exist here; anyone else answers 404.
        queryset = volunteers_visible(request.user, association_ids=[association.pk]).select_related("user")
        try:
            volunteer = queryset.get(pk=volunteer_id)
        except queryset.model.DoesNotExist as exc:
            raise Http404 from exc
        data = VettingIn(data=request.data)
        data.is_valid(raise_exception=True)
        volunteer = services.vetting_step_record(
            volunteer=volunteer, by=request.user, association=association, **data.validated_data
        )
        volunteer = selectors.with_vetting_records(Volunteer.objects.filter(pk=volunteer.pk)).get()
        return Response(VolunteerWaitingOut(volunteer).data)


class ImportsAPI(StaffAPIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        parameters=[ASSOCIATION_PARAM],
        request={"multipart/form-data": ImportUploadIn},
        responses={201: ImportJobOut},
        summary="Upload a CSV/XLSX of beneficiaries to check",
    )
    def post(self, request):
        data = ImportUploadIn(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        job = import_services.import_job_create(
            association=self.association(),
            by=request.user,
            filename=upload.name,
            content=import_services.import_file_content(upload),
        )
        tasks.import_check_start(job=job)
        job.refresh_from_db()
        return Response(ImportJobOut(job).data, status=status.HTTP_201_CREATED)


class ImportJobAPI(StaffAPIView):
    @extend_schema(responses=ImportJobOut, summary="An import's progress and row-by-row report")
    def get(self, request, job_id: int):
        return Response(ImportJobOut(self.own(ImportJob, job_id, queryset=ImportJob.objects.defer("content"))).data)


class ImportConfirmAPI(StaffAPIView):
    @extend_schema(request=ImportConfirmIn, responses=ImportJobOut, summary="Import a checked file")
    def post(self, request, job_id: int):
        job = self.own(ImportJob, job_id, queryset=ImportJob.objects.defer("content"))
        data = ImportConfirmIn(data=request.data)
        data.is_valid(raise_exception=True)
        job = import_services.import_job_confirm(job=job, by=request.user, **data.validated_data)
        tasks.import_run_start(job=job)
        job.refresh_from_db()
        return Response(ImportJobOut(job).data)
