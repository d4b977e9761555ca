from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from enterprises.models import Enterprise, InvestmentLine, Project


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ["uscc", "name", "city", "district", "sector", "size", "srdi", "current_level"]
    list_filter = ["city", "size", "srdi"]
    search_fields = ["uscc", "name"]
    list_select_related = ["city", "district", "sector"]


class InvestmentInline(admin.TabularInline):
    model = InvestmentLine
    extra = 0
    can_delete = False  # lines are never deleted: corrections are new lines
    readonly_fields = ["category", "amount", "description", "corrects", "reason", "created_by"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["title", "enterprise", "provider", "city", "status", "contract_amount"]
    list_filter = ["city", "status"]
    search_fields = ["title", "enterprise__name", "provider__name"]
    readonly_fields = ["status"]
    list_select_related = ["enterprise", "provider", "city"]
    inlines = [InvestmentInline]
