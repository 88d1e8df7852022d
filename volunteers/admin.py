from django.contrib import admin

from .models import AvailabilitySlot, Volunteer


class AvailabilitySlotInline(admin.TabularInline):
    model = AvailabilitySlot
    extra = 0


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["user", "postcode", "vetting_state", "max_commitments", "paused_until"]
    list_filter = ["vetting_state"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "postcode"]
    raw_id_fields = ["user", "background_check_by"]
    inlines = [AvailabilitySlotInline]
