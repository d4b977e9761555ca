from django.contrib import admin

from pilot_portal.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "city", "status", "progress", "started_by", "created_at"]
    list_filter = ["kind", "status", "city"]
    readonly_fields = [f.name for f in Job._meta.fields]
    list_select_related = ["city", "started_by"]
