from django.contrib import admin

from pilot_portal.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only."""

    list_display = [
        "seq",
        "recorded_at",
        "actor_username",
        "city_code",
        "action",
        "object_type",
        "object_id",
    ]
    list_filter = ["action", "city_code"]
    search_fields = ["actor_username", "object_id", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
