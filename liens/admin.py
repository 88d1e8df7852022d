from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import JobHeartbeat, Notification, NotificationAttempt, SensitiveAccess, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["first_name", "last_name", "phone", "language"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class NotificationAttemptInline(admin.TabularInline):
    model = NotificationAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "at", "outcome", "provider_ref", "error", "duration_ms"]

    def has_add_permission(self, request, obj=None):
        return False  # the delivery log is written by the dispatcher only


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "recipient", "channel", "status", "due_at", "attempts"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["dedup_key", "recipient__email"]
    raw_id_fields = ["recipient"]
    inlines = [NotificationAttemptInline]


@admin.register(NotificationAttempt)
class NotificationAttemptAdmin(admin.ModelAdmin):
    list_display = ["at", "notification", "number", "outcome", "provider_ref", "duration_ms"]
    list_filter = ["outcome"]
    search_fields = ["provider_ref", "notification__dedup_key"]
    raw_id_fields = ["notification"]


@admin.register(JobHeartbeat)
class JobHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beat_at"]


@admin.register(SensitiveAccess)
class SensitiveAccessAdmin(admin.ModelAdmin):
    """The access log, read-only for everyone, superusers included: rows are written by
    liens.services.sensitive_access_log and deleted only by the retention job."""

    list_display = ["at", "user", "subject", "what"]
    list_filter = ["what"]
    search_fields = ["subject", "user__email"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
