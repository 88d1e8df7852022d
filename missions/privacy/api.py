"""API for data-protection rights: a person's file exported, a person erased, a volunteer's own data."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from liens.scopes import scopes_disabled
from missions.association.api import StaffAPIView
from missions.models import Beneficiary

from . import erasure, exports


class EraseIn(serializers.Serializer):
    confirm = serializers.BooleanField(help_text="Must be true: erasure cannot be undone.")

    def validate_confirm(self, value):
        if value is not True:
            raise serializers.ValidationError(_("Tick the box to confirm the erasure."))
        return value


class BeneficiaryExportAPI(StaffAPIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        operation_id="association_beneficiary_export",
        summary="Everything held about a person (right of access); logged",
    )
    def get(self, request, beneficiary_id: int):
        beneficiary = self.own(Beneficiary, beneficiary_id)
        return Response(exports.beneficiary_file_export(beneficiary=beneficiary, by=request.user))


class BeneficiaryEraseAPI(StaffAPIView):
    @extend_schema(
        request=EraseIn,
        responses={204: None},
        operation_id="association_beneficiary_erase",
        summary="Erase a person no longer followed",
    )
    def post(self, request, beneficiary_id: int):
        beneficiary = self.own(Beneficiary, beneficiary_id)
        EraseIn(data=request.data).is_valid(raise_exception=True)
        erasure.beneficiary_erase(beneficiary=beneficiary, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VolunteerDataAPI(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        operation_id="volunteer_data",
        summary="Everything held about me (volunteers)",
        tags=["volunteer"],
    )
    def get(self, request):
        volunteer = getattr(request.user, "volunteer", None)
        if volunteer is None:
            raise NotFound()
        # The volunteer's own data, across every association they visited for (as on the page).
        with scopes_disabled("a volunteer's export holds only their own rows, across associations"):
            return Response(exports.volunteer_data_export(volunteer))
