"""Input and output serializers of the association API (missions/association/api.py): what each
answer carries and what each body and query string may hold."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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
from volunteers.vetting import vetting_steps_left

from . import beneficiaries as beneficiary_services
from . import missions as mission_services
from . import selectors, services, validators


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


# --- serializers ----------------------------------------------------------------------------


class AssociationSignupIn(serializers.Serializer):
    # An association (volunteers) or a home-care service (paid lien-social hours).
    kind = serializers.ChoiceField(choices=Association.Kind.choices, default=Association.Kind.ASSOCIATION)
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
        # What the association gave at sign-up (the service's list), then its settings and state.
        fields = [
            "id",
            *services.ASSOCIATION_SIGNUP_FIELDS,
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
        fields = list(beneficiary_services.KEY_CONTACT_FIELDS)


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
        # What staff write on the mission (one list, the service's), then what Liens keeps itself.
        fields = ["id", *mission_services.MISSION_FIELDS, "starts_at", "status", "created_at"]


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
