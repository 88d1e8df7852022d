"""API of the association side, under /api/association/. One view per resource or operation,
separate input and output serializers, the same services as the pages, the same scoping: an
object outside the caller's associations answers 404."""

from django.http import Http404
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from liens.api import query_params
from missions import disclosure
from missions.models import (
    Association,
    Beneficiary,
    ImportJob,
    Membership,
    Mission,
)
from missions.scoping import (
    StaffScope,
    associations_for,
    current_association,
    get_scoped_or_404,
    scoped,
    vetting_refusal,
    volunteers_visible,
)
from volunteers.models import Volunteer

from . import beneficiaries as beneficiary_services
from . import imports as import_services
from . import missions as mission_services
from . import selectors, services, tasks
from . import staff as staff_services
from .serializers import (
    ASSOCIATION_PARAM,
    AssessmentIn,
    AssessmentOut,
    AssociationOut,
    AssociationQueryIn,
    AssociationSignupIn,
    AttentionOut,
    BeneficiaryIn,
    BeneficiaryListIn,
    BeneficiaryOut,
    BeneficiaryRowOut,
    EndIn,
    ImportConfirmIn,
    ImportJobOut,
    ImportUploadIn,
    InvitationIn,
    InvitationOut,
    MissionIn,
    MissionListIn,
    MissionOut,
    PauseIn,
    StaffOut,
    VettingIn,
    VolunteerWaitingOut,
)


class StaffAPIView(GenericAPIView):
    """Base: resolves the association the request works on; 404 for anyone who works for none
    (StaffScope, which also activates the caller's staff scope)."""

    permission_classes = [StaffScope]

    def association(self) -> Association:
        return current_association(self.request.user, query_params(AssociationQueryIn, self.request).get("association"))

    def own(self, model, pk, *, via="association", queryset=None):
        return get_scoped_or_404(
            queryset if queryset is not None else model.objects.all(), self.request.user, via=via, pk=pk
        )

    def page(self, queryset, serializer_class):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True).data)


# --- views ----------------------------------------------------------------------------------


class HomeAPI(StaffAPIView):
    serializer_class = AttentionOut

    @extend_schema(
        parameters=[ASSOCIATION_PARAM],
        responses=AttentionOut,
        operation_id="association_home",
        summary="What needs attention today",
    )
    def get(self, request):
        association = self.association()
        attention = selectors.association_attention(association=association, user=request.user)
        return Response(AttentionOut({"association": association.pk, **attention.__dict__}).data)


class SignupAPI(APIView):
    @extend_schema(
        request=AssociationSignupIn,
        responses={201: AssociationOut},
        operation_id="association_signup",
        summary="Register an association",
    )
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
    permission_classes = [StaffScope]  # then: platform admins only

    @extend_schema(
        responses=AssociationOut(many=True),
        operation_id="association_pending",
        summary="Associations awaiting validation (platform admins)",
    )
    def get(self, request):
        if not request.user.is_staff:
            raise Http404
        return Response(AssociationOut(selectors.associations_awaiting_validation(), many=True).data)


class ValidateAssociationAPI(APIView):
    permission_classes = [StaffScope]  # then: platform admins only

    @extend_schema(
        request=None,
        responses=AssociationOut,
        operation_id="association_validate",
        summary="Validate an association (platform admins)",
    )
    def post(self, request, association_id: int):
        if not request.user.is_staff:
            raise Http404
        association = get_scoped_or_404(associations_for(request.user), request.user, via="id", pk=association_id)
        association = services.association_validate(association=association, by=request.user)
        return Response(AssociationOut(association).data)


class StaffAPI(StaffAPIView):
    @extend_schema(
        parameters=[ASSOCIATION_PARAM],
        responses=StaffOut,
        operation_id="association_staff",
        summary="Staff and pending invitations",
    )
    def get(self, request):
        members, invitations = selectors.staff_list(association=self.association())
        return Response(StaffOut({"members": members, "invitations": invitations}).data)


class InvitationsAPI(StaffAPIView):
    @extend_schema(
        parameters=[ASSOCIATION_PARAM],
        request=InvitationIn,
        responses={201: InvitationOut},
        operation_id="association_invitation_send",
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
    @extend_schema(
        request=None,
        responses={204: None},
        operation_id="association_membership_remove",
        summary="Remove someone from the staff (managers)",
    )
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
        operation_id="association_beneficiaries",
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
        operation_id="association_beneficiary_create",
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

    @extend_schema(responses=BeneficiaryOut, operation_id="association_beneficiary", summary="One beneficiary")
    def get(self, request, beneficiary_id: int):
        beneficiary = self.own(
            Beneficiary, beneficiary_id, queryset=Beneficiary.objects.prefetch_related("key_contacts")
        )
        return beneficiary_answer(request, beneficiary)

    @extend_schema(
        request=BeneficiaryIn,
        responses=BeneficiaryOut,
        operation_id="association_beneficiary_update",
        summary="Change a beneficiary (partial)",
    )
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


@extend_schema_view(
    post=extend_schema(
        request=None,
        responses=BeneficiaryOut,
        operation_id="association_beneficiary_activate",
        summary="Start following (needs consent)",
    )
)
class BeneficiaryActivateAPI(_BeneficiaryActionAPI):
    def act(self, **kwargs):
        return beneficiary_services.beneficiary_activate(**kwargs)


@extend_schema_view(
    post=extend_schema(
        request=PauseIn,
        responses=BeneficiaryOut,
        operation_id="association_beneficiary_pause",
        summary="Pause visits until a date",
    )
)
class BeneficiaryPauseAPI(_BeneficiaryActionAPI):
    input_class = PauseIn

    def act(self, **kwargs):
        return beneficiary_services.beneficiary_pause(**kwargs)


@extend_schema_view(
    post=extend_schema(
        request=None, responses=BeneficiaryOut, operation_id="association_beneficiary_resume", summary="End a pause"
    )
)
class BeneficiaryResumeAPI(_BeneficiaryActionAPI):
    def act(self, **kwargs):
        return beneficiary_services.beneficiary_resume(**kwargs)


@extend_schema_view(
    post=extend_schema(
        request=EndIn, responses=BeneficiaryOut, operation_id="association_beneficiary_end", summary="Stop following"
    )
)
class BeneficiaryEndAPI(_BeneficiaryActionAPI):
    input_class = EndIn

    def act(self, **kwargs):
        return beneficiary_services.beneficiary_end(**kwargs)


class AssessmentsAPI(StaffAPIView):
    serializer_class = AssessmentOut

    @extend_schema(
        responses=AssessmentOut(many=True),
        operation_id="association_beneficiary_assessments",
        summary="A beneficiary's assessments, newest first",
    )
    def get(self, request, beneficiary_id: int):
        beneficiary = self.own(Beneficiary, beneficiary_id)
        beneficiary_services.beneficiary_file_open(
            beneficiary=beneficiary, by=request.user, parts=(disclosure.ASSESSMENTS,)
        )
        return self.page(beneficiary.assessments.order_by("-taken_on", "-pk"), AssessmentOut)

    @extend_schema(
        request=AssessmentIn,
        responses={201: AssessmentOut},
        operation_id="association_assessment_record",
        summary="Record an assessment",
    )
    def post(self, request, beneficiary_id: int):
        beneficiary = self.own(Beneficiary, beneficiary_id)
        data = AssessmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = beneficiary_services.assessment_record(
            beneficiary=beneficiary, by=request.user, **data.validated_data
        )
        beneficiary_services.beneficiary_file_open(
            beneficiary=beneficiary, by=request.user, parts=(disclosure.ASSESSMENTS,)
        )
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
        operation_id="association_missions",
        summary="List missions",
    )
    def get(self, request):
        search = query_params(MissionListIn, request)
        rows = selectors.mission_list(
            association=self.association(), q=search["q"], status=search["status"], kind=search["kind"]
        )
        return self.page(rows, MissionOut)

    @extend_schema(
        parameters=[ASSOCIATION_PARAM],
        request=MissionIn,
        responses={201: MissionOut},
        operation_id="association_mission_create",
        summary="Prepare a mission",
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

    @extend_schema(responses=MissionOut, operation_id="association_mission", summary="One mission")
    def get(self, request, mission_id: int):
        return Response(MissionOut(self.own(Mission, mission_id)).data)

    @extend_schema(
        request=MissionIn,
        responses=MissionOut,
        operation_id="association_mission_update",
        summary="Change a mission (partial)",
    )
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


@extend_schema_view(
    post=extend_schema(
        request=None,
        responses=MissionOut,
        operation_id="association_mission_publish",
        summary="Publish a draft (validated associations)",
    )
)
class MissionPublishAPI(_MissionActionAPI):
    def act(self, **kwargs):
        return mission_services.mission_publish(**kwargs)


@extend_schema_view(
    post=extend_schema(
        request=None, responses=MissionOut, operation_id="association_mission_fill", summary="Mark a mission filled"
    )
)
class MissionFillAPI(_MissionActionAPI):
    def act(self, **kwargs):
        return mission_services.mission_fill(**kwargs)


@extend_schema_view(
    post=extend_schema(
        request=None, responses=MissionOut, operation_id="association_mission_reopen", summary="Reopen a filled mission"
    )
)
class MissionReopenAPI(_MissionActionAPI):
    def act(self, **kwargs):
        return mission_services.mission_reopen(**kwargs)


@extend_schema_view(
    post=extend_schema(
        request=None, responses=MissionOut, operation_id="association_mission_close", summary="Close a mission"
    )
)
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
        parameters=[ASSOCIATION_PARAM],
        responses=VolunteerWaitingOut(many=True),
        operation_id="association_vetting",
        summary="Volunteers awaiting vetting",
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
        operation_id="association_vetting_record",
        summary="Record a vetting step",
    )
    def post(self, request, volunteer_id: int):
        association = self.association()
        vetting_allowed(self, association)
        # Only volunteers on this association's desk exist here; anyone else answers 404.
        queryset = volunteers_visible(request.user, association=association).select_related("user")
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
        operation_id="association_import_upload",
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
    @extend_schema(
        responses=ImportJobOut, operation_id="association_import", summary="An import's progress and row-by-row report"
    )
    def get(self, request, job_id: int):
        return Response(
            ImportJobOut(self.own(ImportJob, job_id, queryset=ImportJob.objects.defer("content", "rows"))).data
        )


class ImportConfirmAPI(StaffAPIView):
    @extend_schema(
        request=ImportConfirmIn,
        responses=ImportJobOut,
        operation_id="association_import_confirm",
        summary="Import a checked file",
    )
    def post(self, request, job_id: int):
        job = self.own(ImportJob, job_id, queryset=ImportJob.objects.defer("content", "rows"))
        data = ImportConfirmIn(data=request.data)
        data.is_valid(raise_exception=True)
        job = import_services.import_job_confirm(job=job, by=request.user, **data.validated_data)
        tasks.import_run_start(job=job)
        job.refresh_from_db()
        return Response(ImportJobOut(job).data)
