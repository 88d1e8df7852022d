from django.contrib import admin

from missions import disclosure
from missions.association.services import association_validate

from .models import (
    AlertEvent,
    Assessment,
    Association,
    Beneficiary,
    Contact,
    IsolationAlert,
    KeyContact,
    Match,
    Membership,
    Mission,
    VettingRecord,
    Visit,
    VisitReport,
)


class AccessLoggedAdmin(admin.ModelAdmin):
    """An admin whose change and view pages show a person's private details: each page shown
    goes through disclosure.private_details, which checks and logs the reading like the site's
    own pages and API answers. `access_parts` names what the page shows."""

    access_parts: tuple[str, ...] = ()

    def beneficiary_of(self, obj) -> Beneficiary | None:  # pragma: no cover - each admin says
        raise NotImplementedError

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Called once per page that shows a row (GET, or a POST that failed validation); a
        # successful save redirects and shows nothing.
        beneficiary = self.beneficiary_of(obj) if obj is not None else None
        if beneficiary is not None:
            disclosure.private_details(beneficiary=beneficiary, by=request.user, parts=self.access_parts)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Association)
class AssociationAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "territory", "validated_at"]
    search_fields = ["name", "city", "siret", "rna"]
    list_filter = [("validated_at", admin.EmptyFieldListFilter)]
    inlines = [MembershipInline]
    actions = ["validate_selected"]

    @admin.action(description="Validate the selected associations")
    def validate_selected(self, request, queryset):
        # The same service as the validation page: managers are told, validating twice is a no-op.
        for association in queryset.filter(validated_at__isnull=True):
            association_validate(association=association, by=request.user)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "association", "role"]
    list_filter = ["role", "association"]
    raw_id_fields = ["user"]


class KeyContactInline(admin.TabularInline):
    model = KeyContact
    extra = 0


@admin.register(Beneficiary)
class BeneficiaryAdmin(AccessLoggedAdmin):
    access_parts = (disclosure.ADDRESS, disclosure.PHONE, disclosure.KEY_CONTACTS, disclosure.NOTES)

    def beneficiary_of(self, obj):
        return obj

    list_display = ["__str__", "association", "status", "last_contact_at", "alert_after"]
    list_filter = ["status", "association"]
    search_fields = ["first_name", "last_name", "postcode"]
    inlines = [KeyContactInline]


@admin.register(Assessment)
class AssessmentAdmin(AccessLoggedAdmin):
    access_parts = (disclosure.ASSESSMENTS,)

    def beneficiary_of(self, obj):
        return obj.beneficiary

    list_display = ["beneficiary", "scale", "score", "taken_on"]
    raw_id_fields = ["beneficiary"]


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    list_display = ["title", "association", "kind", "recurrence", "status"]
    list_filter = ["status", "kind", "association"]
    raw_id_fields = ["beneficiary"]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "mission", "status", "proposed_at"]
    list_filter = ["status"]
    raw_id_fields = ["volunteer", "mission"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["match", "starts_at", "status"]
    list_filter = ["status"]
    raw_id_fields = ["match"]


@admin.register(VisitReport)
class VisitReportAdmin(AccessLoggedAdmin):
    access_parts = (disclosure.NOTES,)

    def beneficiary_of(self, obj):
        return obj.visit.match.mission.beneficiary

    list_display = ["visit", "happened", "mood", "submitted_at"]
    raw_id_fields = ["visit"]


@admin.register(Contact)
class ContactAdmin(AccessLoggedAdmin):
    access_parts = (disclosure.NOTES,)

    def beneficiary_of(self, obj):
        return obj.beneficiary

    list_display = ["beneficiary", "kind", "occurred_at"]
    list_filter = ["kind"]
    raw_id_fields = ["beneficiary", "visit", "volunteer"]


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0


@admin.register(IsolationAlert)
class IsolationAlertAdmin(AccessLoggedAdmin):
    access_parts = (disclosure.NOTES,)

    def beneficiary_of(self, obj):
        return obj.beneficiary

    list_display = ["beneficiary", "kind", "severity", "raised_at", "resolved_at"]
    list_filter = ["kind", "severity", "association"]
    raw_id_fields = ["beneficiary", "report"]
    inlines = [AlertEventInline]


@admin.register(VettingRecord)
class VettingRecordAdmin(admin.ModelAdmin):
    """Read-only: the trace of who vouched for each vetting step is written by the service only."""

    list_display = ["volunteer", "step", "done_on", "association", "recorded_by", "recorded_at"]
    list_filter = ["step"]
    raw_id_fields = ["volunteer", "recorded_by"]
    search_fields = ["volunteer__user__email", "association__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
