from django.contrib import admin

from pilot_portal.documents.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "content_type", "size", "created_by", "created_at"]
    list_filter = ["city", "content_type"]
    readonly_fields = ["sha256", "size", "created_by", "created_at"]
    list_select_related = ["city", "created_by"]
