"""Rulebook versions in the admin: for looking, with their history. A version any computation
used is read-only (its figures depend on it), and no version is deleted here; new versions are
made on the city's rulebook pages, where they are validated and audit-logged."""

from django import forms
from django.contrib import admin
from django.db.models import Exists, OuterRef
from simple_history.admin import SimpleHistoryAdmin

from subsidies.models import RulebookVersion, SubsidyComputation
from subsidies.rulebook import RulebookError, validate


class RulebookVersionForm(forms.ModelForm):
    """An unused version changed here passes the same validation as on the rulebook pages."""

    class Meta:
        model = RulebookVersion
        fields = ("effective_from", "effective_to", "data", "note")

    def clean(self):
        cleaned = super().clean()
        data = cleaned.get("data")
        if isinstance(data, dict) and cleaned.get("effective_from"):
            data = {**data, "version": self.instance.version,
                    "effective_from": cleaned["effective_from"].isoformat(),
                    "effective_to": cleaned["effective_to"].isoformat()
                    if cleaned.get("effective_to") else None}  # fmt: skip
            try:
                validate(data)
            except RulebookError as error:
                raise forms.ValidationError(error.errors) from None
            cleaned["data"] = data
        return cleaned


@admin.register(RulebookVersion)
class RulebookVersionAdmin(SimpleHistoryAdmin):
    form = RulebookVersionForm
    list_display = ("city", "version", "effective_from", "effective_to", "shipped", "used")
    list_filter = ("city", "shipped")
    search_fields = ("version", "note", "city__code", "city__name")
    list_select_related = ("city",)
    readonly_fields = ("city", "version", "supersedes", "created_by", "created_at", "shipped")

    def get_queryset(self, request):
        used = SubsidyComputation.objects.filter(rulebook_id=OuterRef("pk"))
        return super().get_queryset(request).annotate(used=Exists(used))

    @admin.display(boolean=True, description="used")
    def used(self, obj) -> bool:
        return bool(getattr(obj, "used", False))

    def _used(self, obj) -> bool:
        return obj is not None and SubsidyComputation.objects.filter(rulebook=obj).exists()

    def has_add_permission(self, request):
        return False  # made on the rulebook pages (validated, audit-logged)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._used(obj)

    def has_delete_permission(self, request, obj=None):
        return False
