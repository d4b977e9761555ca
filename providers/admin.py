from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from providers.models import (
    ExpertConflict,
    ExpertScore,
    Product,
    Provider,
    ProviderCase,
    ProviderEvaluation,
    ProviderSelection,
    SelectionRound,
    SelectionStep,
)


class CaseInline(admin.TabularInline):
    model = ProviderCase
    extra = 0


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["uscc", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["uscc", "name"]
    filter_horizontal = ["staff"]
    inlines = [CaseInline]


@admin.register(SelectionRound)
class SelectionRoundAdmin(SimpleHistoryAdmin):
    list_display = ["name", "city", "opens", "closes"]
    list_filter = ["city"]
    filter_horizontal = ["experts"]


class StepInline(admin.TabularInline):
    model = SelectionStep
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_status", "to_status", "actor", "actor_role", "comment"]

    def has_add_permission(self, request, obj=None):
        return False  # steps are written by the workflow only


@admin.register(ProviderSelection)
class ProviderSelectionAdmin(SimpleHistoryAdmin):
    # The status moves only through the workflow (recorded steps), never by hand here.
    list_display = ["provider", "city", "round", "status", "updated_at"]
    list_filter = ["city", "status"]
    search_fields = ["provider__name", "provider__uscc"]
    readonly_fields = ["status", "publicity_start", "publicity_end"]
    list_select_related = ["provider", "city", "round"]
    inlines = [StepInline]


@admin.register(ExpertScore)
class ExpertScoreAdmin(SimpleHistoryAdmin):
    list_display = ["selection", "expert", "score", "updated_at"]
    list_filter = ["city"]


admin.site.register(ExpertConflict)
admin.site.register(ProviderEvaluation)


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ["name", "provider", "city", "scenario", "price", "status"]
    list_filter = ["city", "status", "scenario", "deployment"]
    search_fields = ["name", "provider__name"]
    readonly_fields = ["status", "status_reason"]
